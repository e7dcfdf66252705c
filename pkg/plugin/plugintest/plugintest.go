// Package plugintest builds a plugin.Env from a plugin's embedded defaults
// for the plugin's unit tests, so tests read the same keys, types and
// ranges as a run does.
package plugintest

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/t2go/t2go/pkg/config"
	"github.com/t2go/t2go/pkg/plugin"
)

// Env returns an Env whose Settings are the plugin's defaults (the file
// its package embeds) and whose Core are tranalyzer2's, with set applied:
// each key is looked up in the plugin's component, then the core's; a
// value is written as in a file (string: quoted, []string: a list,
// bool: 0/1, numbers as they print). An unknown key or a value outside the
// key's range fails the test. Files reads user files from an empty
// folder; Log discards.
func Env[V any](t testing.TB, defaults []byte, set map[string]V) *plugin.Env {
	t.Helper()
	comp, err := config.ParsePluginDefaults("defaults", defaults)
	if err != nil {
		t.Fatal(err)
	}
	cfg := loadConfig(t, t.TempDir())
	core, _ := cfg.Component(config.Core)
	for k, v := range set {
		target := comp
		if _, ok := comp.Spec(k); !ok {
			if _, ok := core.Spec(k); !ok {
				t.Fatalf("plugintest: no key %s in %s or %s", k, comp.Name, config.Core)
			}
			target = core
		}
		if err := target.Override(k, raw(v)); err != nil {
			t.Fatalf("plugintest: %v", err)
		}
	}
	return &plugin.Env{
		Settings: plugin.NewSettings(comp.Name, comp),
		Core:     plugin.NewSettings(config.Core, core),
		Files:    cfg,
		Log:      Discard{},
	}
}

// Files returns a plugin.Files that finds user files in dir (as plugin
// folder and config home).
func Files(t testing.TB, dir string) plugin.Files {
	t.Helper()
	return loadConfig(t, dir)
}

func loadConfig(t testing.TB, dir string) *config.Config {
	t.Helper()
	cfg, err := config.Load(config.Options{Home: dir, PluginDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func raw(v any) string {
	switch x := v.(type) {
	case string:
		return strconv.Quote(x)
	case []string:
		q := make([]string, len(x))
		for i, s := range x {
			q[i] = strconv.Quote(s)
		}
		return "[" + strings.Join(q, ", ") + "]"
	case bool:
		if x {
			return "1"
		}
		return "0"
	default:
		return fmt.Sprint(x)
	}
}

// Discard is a plugin.Logger that prints nothing.
type Discard struct{}

// Infof implements plugin.Logger.
func (Discard) Infof(string, ...any) {}

// Warnf implements plugin.Logger.
func (Discard) Warnf(string, ...any) {}

// With returns env with Settings, Core, Files and Log filled as Env does
// (fields already set in env are kept).
func With[V any](t testing.TB, defaults []byte, set map[string]V, env plugin.Env) *plugin.Env {
	t.Helper()
	base := Env(t, defaults, set)
	env.Settings, env.Core = base.Settings, base.Core
	if env.Files == nil {
		env.Files = base.Files
	}
	if env.Log == nil {
		env.Log = base.Log
	}
	return &env
}

// Registered is With for the registered plugin name (for tests that drive
// several plugins).
func Registered(t testing.TB, name string, env plugin.Env) *plugin.Env {
	t.Helper()
	d, ok := plugin.Lookup(name)
	if !ok {
		t.Fatalf("plugintest: plugin %s is not registered", name)
	}
	return With[int64](t, d.Defaults, nil, env)
}
