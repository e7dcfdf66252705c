// Package plugins is the catalogue of the plugins in its subfolders. Each
// plugin folder holds its default file <pluginName>.toml, whose first line
// "# plugin: NAME NUMBER" is the only place the plugin's name and number
// are written. This package embeds those files without linking any plugin
// code, so pkg/config and the tools (t2conf, t2build) know every plugin's
// name, number and defaults while linking nothing of the packet path.
package plugins

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

//go:embed */*.toml
var files embed.FS

// Info is one plugin of the catalogue.
type Info struct {
	Name     string
	Number   int
	File     string // e.g. "basicstats/basicStats.toml" (for messages)
	Defaults []byte // the whole default file
}

// DefaultSet is T2's default build set (the plugins an unconfigured T2
// 0.9.3 runs), in T2's order. The analyzer activates the members that are
// compiled in when no plugins.txt exists; t2build -l shows the same set.
var DefaultSet = []string{
	"basicFlow", "basicStats", "connStat", "icmpDecode", "macRecorder",
	"portClassifier", "protoStats", "tcpFlags", "tcpStates", "txtSink",
}

// InDefaultSet reports whether name is in T2's default build set.
func InDefaultSet(name string) bool {
	for _, n := range DefaultSet {
		if n == name {
			return true
		}
	}
	return false
}

var catalogue = mustLoad()

func mustLoad() []Info {
	out, err := load(files)
	if err != nil {
		// The files are compiled in: a bad header is a programming error
		// that every test run reports.
		panic(err)
	}
	return out
}

func load(fsys fs.FS) ([]Info, error) {
	names, err := fs.Glob(fsys, "*/*.toml")
	if err != nil {
		return nil, err
	}
	var out []Info
	seen := map[string]string{}
	for _, f := range names {
		data, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		name, number, err := ParseHeader(data)
		if err != nil {
			return nil, fmt.Errorf("pkg/plugins/%s: %w", f, err)
		}
		if base := strings.TrimSuffix(path.Base(f), ".toml"); base != name {
			return nil, fmt.Errorf("pkg/plugins/%s: the header names %s; the file must be %s.toml", f, name, name)
		}
		if prev, dup := seen[name]; dup {
			return nil, fmt.Errorf("pkg/plugins/%s: plugin %s is also in %s", f, name, prev)
		}
		seen[name] = f
		out = append(out, Info{Name: name, Number: number, File: f, Defaults: data})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Number != out[j].Number {
			return out[i].Number < out[j].Number
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

// All returns every plugin of the catalogue, ordered by number.
func All() []Info { return append([]Info(nil), catalogue...) }

// Lookup returns the catalogue entry of name.
func Lookup(name string) (Info, bool) {
	for _, p := range catalogue {
		if p.Name == name {
			return p, true
		}
	}
	return Info{}, false
}

// ParseHeader reads the first line of a plugin's default file,
// "# plugin: NAME NUMBER" (NUMBER 0..999).
func ParseHeader(data []byte) (name string, number int, err error) {
	line, _, _ := strings.Cut(string(data), "\n")
	f := strings.Fields(strings.TrimPrefix(strings.TrimSpace(line), "#"))
	if len(f) != 3 || f[0] != "plugin:" {
		return "", 0, fmt.Errorf("first line must be \"# plugin: NAME NUMBER\"")
	}
	n, err := strconv.Atoi(f[2])
	if err != nil || n < 0 || n > 999 {
		return "", 0, fmt.Errorf("plugin number %q: want 0 to 999", f[2])
	}
	return f[1], n, nil
}
