package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// BuiltinPlugins is t2's first compiled-in plugin set with T2's numbers
// (docs/DECISIONS.md). Plugins() adds it to the catalogue read from the
// component files, so the tools know these plugins even before (or
// without) a configs/<name>.toml of their own.
var BuiltinPlugins = []PluginInfo{
	{"protoStats", 1}, {"basicFlow", 100}, {"basicStats", 120},
	{"tcpFlags", 130}, {"tcpStates", 132}, {"ftpDecode", 301}, {"txtSink", 901},
}

// Plugins returns every known plugin by number: those with a component
// file ("# plugin: NAME NUMBER") and the BuiltinPlugins.
func (c *Config) Plugins() []PluginInfo {
	seen := map[string]bool{}
	var out []PluginInfo
	for _, p := range c.Catalogue() {
		seen[p.Name] = true
		out = append(out, p)
	}
	for _, p := range BuiltinPlugins {
		if !seen[p.Name] {
			out = append(out, p)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Number != out[j].Number {
			return out[i].Number < out[j].Number
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// PluginListFile is where the tools write the active plugin list.
func (o Options) PluginListFile() string { return filepath.Join(o.WriteDir(), PluginListName) }

// WritePluginList writes names as the active plugin list (atomically).
func (o Options) WritePluginList(names []string) error {
	return WriteFileAtomic(o.PluginListFile(), FormatPluginList(names))
}

// RemovePluginList deletes the active plugin list the tools write, so
// every compiled-in plugin is active again (unless another plugins.txt
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
