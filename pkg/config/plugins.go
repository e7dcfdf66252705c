package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/t2go/t2go/pkg/plugins"
)

// Plugins returns every known plugin by number: the components whose
// default file starts with "# plugin: NAME NUMBER" (the catalogue of
// pkg/plugins, unless Options.Defaults replaced it).
func (c *Config) Plugins() []PluginInfo { return c.Catalogue() }

// DefaultPlugins returns the active set when there is no plugins.txt:
// the members of T2's default build set (plugins.DefaultSet) that the
// catalogue has, by number.
func (c *Config) DefaultPlugins() []string {
	var out []string
	for _, p := range c.Plugins() {
		if plugins.InDefaultSet(p.Name) {
			out = append(out, p.Name)
		}
	}
	return out
}

// PluginListFile is where the tools write the active plugin list.
func (o Options) PluginListFile() string { return filepath.Join(o.WriteDir(), PluginListName) }

// WritePluginList writes names as the active plugin list (atomically).
func (o Options) WritePluginList(names []string) error {
	return WriteFileAtomic(o.PluginListFile(), FormatPluginList(names))
}

// RemovePluginList deletes the active plugin list the tools write, so
// T2's default plugin set is active again (unless another plugins.txt
// is found in the lookup order; see Options.Lookup).
func (o Options) RemovePluginList() error {
	err := os.Remove(o.PluginListFile())
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// PluginListName is the file name of the active plugin list.
const PluginListName = "plugins.txt"

// ParsePluginList reads a plugin list: one name per line, "#" comments,
// T2's "NNN_name" and "NNN_name.so" spellings accepted. Duplicates and the
// core name are dropped.
func ParsePluginList(file string, data []byte) ([]string, error) {
	names := []string{}
	seen := map[string]bool{}
	for i, line := range strings.Split(string(data), "\n") {
		if j := strings.IndexByte(line, '#'); j >= 0 {
			line = line[:j]
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		name := NormalizePluginName(line)
		if !ValidKey(name) || strings.Contains(name, "-") {
			return nil, &LineError{Path: file, Line: i + 1, Msg: fmt.Sprintf("%q: expected a plugin name such as basicFlow or 100_basicFlow.so", line)}
		}
		if name == Core || seen[name] {
			continue
		}
		seen[name] = true
		names = append(names, name)
	}
	return names, nil
}
