// Package config reads the run-time configuration of t2 and its plugins.
//
// Every component (the core "tranalyzer2" and each plugin) has one file
// NAME.toml. The core's default is embedded from configs/, each plugin's
// from its own folder (through the catalogue pkg/plugins), and they
// are also the schema: a key's type comes from its default value, its allowed
// values and description from the comment block above it. A user overrides
// keys with a copy of the file; for each component the first of these is
// read:
//
//	PLUGINDIR/NAME.toml   (the -p folder of t2 and the tools, if given)
//	HOME/NAME.toml        ($T2_HOME, else ~/.tranalyzer)
//	the embedded default
//
// A user file may hold only some keys; the others keep their defaults.
// plugins.txt (the active plugin list) and proto.txt are looked up the same
// way.
package config

import (
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/t2go/t2go/configs"
	"github.com/t2go/t2go/pkg/plugins"
)

// Core is the component name of the analyzer core.
const Core = "tranalyzer2"

// Options selects where Load looks for user files. Zero values mean the
// defaults.
type Options struct {
	Home      string // config home; "" = DefaultHome()
	PluginDir string // plugin folder (-p); "" = none
	// Defaults holds the default component files (NAME.toml at its top
	// level) and proto.txt; nil = the built-in ones: configs.FS for the
	// core and proto.txt, pkg/plugins for the plugins. Tests use it to
	// add plugin files.
	Defaults fs.FS
}

func (o Options) home() string {
	if o.Home != "" {
		return o.Home
	}
	return DefaultHome()
}

func (o Options) defaults() fs.FS {
	if o.Defaults != nil {
		return o.Defaults
	}
	return configs.FS
}

// defaultFile is one component's default file.
type defaultFile struct {
	name, file string
	data       []byte
}

func (o Options) defaultFiles() ([]defaultFile, error) {
	fsys := o.defaults()
	files, err := fs.Glob(fsys, "*.toml")
	if err != nil {
		return nil, fmt.Errorf("config: listing defaults: %w", err)
	}
	var out []defaultFile
	for _, f := range files {
		data, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, fmt.Errorf("config: default %s: %w", f, err)
		}
		out = append(out, defaultFile{strings.TrimSuffix(path.Base(f), ".toml"), "configs/" + f, data})
	}
	if o.Defaults == nil {
		for _, p := range plugins.All() {
			out = append(out, defaultFile{p.Name, "pkg/plugins/" + p.File, p.Defaults})
		}
	}
	return out, nil
}

// DefaultHome returns $T2_HOME if set, else ~/.tranalyzer. Under sudo
// (SUDO_USER set) it uses the invoking user's home, so a t2 started with
// sudo sees that user's settings.
func DefaultHome() string {
	if h := os.Getenv("T2_HOME"); h != "" {
		return h
	}
	if su := os.Getenv("SUDO_USER"); su != "" && os.Geteuid() == 0 {
		if u, err := user.Lookup(su); err == nil && u.HomeDir != "" {
			return filepath.Join(u.HomeDir, ".tranalyzer")
		}
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".tranalyzer")
	}
	return ".tranalyzer"
}

// DisplayPath shortens a path under the user's home directory to ~/...
func DisplayPath(p string) string {
	h, err := os.UserHomeDir()
	if err != nil || h == "" || h == "/" {
		return p
	}
	if p == h {
		return "~"
	}
	if strings.HasPrefix(p, h+string(filepath.Separator)) {
		return "~" + p[len(h):]
	}
	return p
}

// Lookup returns the user file that overrides name ("tranalyzer2.toml",
// "plugins.txt", ...): PLUGINDIR/name, else HOME/name. ok is false when
// neither exists (then the embedded default, if any, applies).
func (o Options) Lookup(name string) (file string, ok bool) {
	for _, dir := range []string{o.PluginDir, o.home()} {
		if dir == "" {
			continue
		}
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, true
		}
	}
	return "", false
}

// WriteDir is the directory the tools write user files into: the plugin
// folder when one was given, else the config home.
func (o Options) WriteDir() string {
	if o.PluginDir != "" {
		return o.PluginDir
	}
	return o.home()
}

// HomeDir returns the config home in use.
func (o Options) HomeDir() string { return o.home() }

// Component is one component's schema and values.
type Component struct {
	Name   string
	Number int    // T2 plugin number (0 for the core)
	Plugin bool   // false for the core
	Source string // the user file read, or "" when only defaults apply

	defaultText []byte
	keys        []string
	specs       map[string]*Spec
	values      map[string]Value
	raws        map[string]string
}

// Keys returns the keys in the order of the default file.
func (c *Component) Keys() []string { return c.keys }

// Spec returns the schema of key.
func (c *Component) Spec(key string) (*Spec, bool) {
	s, ok := c.specs[key]
	return s, ok
}

// Raw returns the value text of key as in effect (user file or default).
func (c *Component) Raw(key string) string { return c.raws[key] }

// DefaultText returns the default file of the component.
func (c *Component) DefaultText() []byte { return c.defaultText }

// Config is the loaded configuration of every component.
type Config struct {
	err   error
	opts  Options
	comps map[string]*Component
	order []string
}

// Load reads the default of every component plus the user's overrides and
// checks every value. The error names the file, line, key, value and what
// is allowed.
func Load(opts Options) (*Config, error) {
	c, err := LoadDefaults(opts)
	if err != nil {
		return nil, err
	}
	for _, name := range c.order {
		comp := c.comps[name]
		file, ok := opts.Lookup(name + ".toml")
		if !ok {
			continue
		}
		data, err := opts.readUserFile(file, MaxConfigFile)
		if err != nil {
			return nil, err
		}
		if err := comp.apply(file, data); err != nil {
			return nil, err
		}
		comp.Source = file
	}
	if _, _, err := c.activePlugins(); err != nil {
		return nil, err
	}
	return c, nil
}

// LoadDefaults reads only the default files (no user overrides).
func LoadDefaults(opts Options) (*Config, error) {
	files, err := opts.defaultFiles()
	if err != nil {
		return nil, err
	}
	c := &Config{opts: opts, comps: map[string]*Component{}}
	for _, f := range files {
		if _, dup := c.comps[f.name]; dup {
			return nil, fmt.Errorf("config: two default files for %s (%s)", f.name, f.file)
		}
		comp, err := parseDefault(f.name, f.file, f.data)
		if err != nil {
			return nil, err
		}
		c.comps[comp.Name] = comp
		c.order = append(c.order, comp.Name)
	}
	sort.Slice(c.order, func(i, j int) bool {
		a, b := c.comps[c.order[i]], c.comps[c.order[j]]
		if a.Plugin != b.Plugin {
			return !a.Plugin
		}
		if a.Number != b.Number {
			return a.Number < b.Number
		}
		return a.Name < b.Name
	})
	return c, nil
}

func parseDefault(name, file string, data []byte) (*Component, error) {
	doc, err := ParseDocument(file, data)
	if err != nil {
		return nil, err
	}
	comp := &Component{Name: name, defaultText: data, specs: map[string]*Spec{},
		values: map[string]Value{}, raws: map[string]string{}}
	if name != Core {
		info, ok := pluginHeader(data)
		if !ok || info.Name != name {
			return nil, &LineError{Path: file, Line: 1, Msg: fmt.Sprintf("a plugin file must start with \"# plugin: %s NUMBER\"", name)}
		}
		comp.Plugin, comp.Number = true, info.Number
	}
	for _, e := range doc.Entries() {
		s, err := newSpec(name, e, file)
		if err != nil {
			return nil, err
		}
		comp.keys = append(comp.keys, e.Key)
		comp.specs[e.Key] = s
		comp.values[e.Key] = s.Default
		comp.raws[e.Key] = e.Raw
	}
	return comp, nil
}

// apply reads a user file over the defaults.
func (comp *Component) apply(file string, data []byte) error {
	doc, err := ParseDocument(file, data)
	if err != nil {
		return err
	}
	for _, e := range doc.Entries() {
		s, ok := comp.specs[e.Key]
		if !ok {
			msg := fmt.Sprintf("%s: unknown key for %s", e.Key, comp.Name)
			if near := Suggest(e.Key, comp.keys); len(near) > 0 {
				msg += " (did you mean " + strings.Join(near, ", ") + "?)"
			}
			return &LineError{Path: file, Line: e.Line, Msg: msg}
		}
		v, err := s.parseRaw(e.Raw)
		if err != nil {
			return &LineError{Path: file, Line: e.Line, Msg: fmt.Sprintf("%s = %s: %v", e.Key, clip(e.Raw), err)}
		}
		comp.values[e.Key] = v
		comp.raws[e.Key] = e.Raw
	}
	return nil
}

// CheckDocument checks a whole user file of the component (as t2conf is
// about to write it) without changing the Config.
func (comp *Component) CheckDocument(file string, data []byte) error {
	cp := *comp
	cp.values = map[string]Value{}
	cp.raws = map[string]string{}
	return cp.apply(file, data)
}

// Options returns the options the Config was loaded with.
func (c *Config) Options() Options { return c.opts }

// Components returns the component names: the core first, then the plugins
// by number.
func (c *Config) Components() []string { return append([]string(nil), c.order...) }

// Component returns one component.
func (c *Config) Component(name string) (*Component, bool) {
	comp, ok := c.comps[name]
	return comp, ok
}

// value returns key's value when the key exists with one of kinds.
func (comp *Component) value(key string, kinds ...Kind) (Value, error) {
	sp, ok := comp.specs[key]
	if !ok {
		return Value{}, fmt.Errorf("no setting %s in the defaults of %s", key, comp.Name)
	}
	for _, k := range kinds {
		if sp.Kind == k {
			return comp.values[key], nil
		}
	}
	return Value{}, fmt.Errorf("setting %s of %s is a %s", key, comp.Name, sp.Kind)
}

// IntValue returns an integer key (plugin.Source).
func (comp *Component) IntValue(key string) (int64, error) {
	v, err := comp.value(key, KindInt)
	return v.Int, err
}

// FloatValue returns a numeric key; integer keys are converted.
func (comp *Component) FloatValue(key string) (float64, error) {
	v, err := comp.value(key, KindFloat, KindInt)
	return v.Float, err
}

// StringValue returns a string key.
func (comp *Component) StringValue(key string) (string, error) {
	v, err := comp.value(key, KindString)
	return v.Str, err
}

// StringsValue returns a list key (a copy).
func (comp *Component) StringsValue(key string) ([]string, error) {
	v, err := comp.value(key, KindList)
	return append([]string{}, v.List...), err
}

// get returns key of component. A missing component or key, or one of
// another kind, is not a panic: the zero value is returned and the first
// such error is kept for Err.
func (c *Config) get(component, key string, kinds ...Kind) Value {
	comp, ok := c.comps[component]
	if !ok {
		c.fail(fmt.Errorf("config: no component %s", component))
		return Value{}
	}
	v, err := comp.value(key, kinds...)
	if err != nil {
		c.fail(fmt.Errorf("config: %w", err))
	}
	return v
}

func (c *Config) fail(err error) {
	if c.err == nil {
		c.err = err
	}
}

// Err returns the first failed look-up of Int, Float, Bool, String or
// Strings (a key missing from the defaults), or nil.
func (c *Config) Err() error { return c.err }

// Int returns an integer key (0 and an error kept for Err when the key
// is not an integer key of the defaults).
func (c *Config) Int(component, key string) int64 { return c.get(component, key, KindInt).Int }

// Float returns a numeric key (integer keys are converted).
func (c *Config) Float(component, key string) float64 {
	return c.get(component, key, KindFloat, KindInt).Float
}

// Bool returns an integer key as a switch: true when it is not 0.
func (c *Config) Bool(component, key string) bool { return c.get(component, key, KindInt).Int != 0 }

// String returns a string key.
func (c *Config) String(component, key string) string { return c.get(component, key, KindString).Str }

// Strings returns a list key (a copy).
func (c *Config) Strings(component, key string) []string {
	return append([]string{}, c.get(component, key, KindList).List...)
}

// PluginInfo names a plugin and its T2 number.
type PluginInfo struct {
	Name   string
	Number int
}

// Catalogue returns the plugins the tools know about, by number: every
// component file whose first line is "# plugin: NAME NUMBER".
func (c *Config) Catalogue() []PluginInfo {
	var out []PluginInfo
	for _, name := range c.order {
		if comp := c.comps[name]; comp.Plugin {
			out = append(out, PluginInfo{Name: comp.Name, Number: comp.Number})
		}
	}
	return out
}

func pluginHeader(data []byte) (PluginInfo, bool) {
	name, number, err := plugins.ParseHeader(data)
	return PluginInfo{Name: name, Number: number}, err == nil
}

// ActivePlugins returns the plugin names listed in plugins.txt (plugin
// folder, else home). explicit is false (and names nil) when there is no
// plugins.txt: then DefaultPlugins are active. An existing empty
// file means no plugin but the core. "tranalyzer2" entries are dropped.
func (c *Config) ActivePlugins() (names []string, explicit bool) {
	names, explicit, _ = c.activePlugins()
	return names, explicit
}

func (c *Config) activePlugins() ([]string, bool, error) {
	file, ok := c.opts.Lookup(PluginListName)
	if !ok {
		return nil, false, nil
	}
	data, err := c.opts.readUserFile(file, MaxPluginList)
	if err != nil {
		return nil, false, err
	}
	names, err := ParsePluginList(file, data)
	if err != nil {
		return nil, false, err
	}
	return names, true, nil
}

// NormalizePluginName strips T2's "NNN_" prefix, ".so" suffix and a
// trailing "/" from a plugin name.
func NormalizePluginName(s string) string {
	s = strings.TrimSuffix(strings.TrimSpace(s), "/")
	s = strings.TrimSuffix(s, ".so")
	if len(s) > 4 && s[3] == '_' && isDigits(s[:3]) {
		s = s[4:]
	}
	return s
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// FormatPluginList writes a plugin list with a short header comment.
func FormatPluginList(names []string) []byte {
	var b strings.Builder
	b.WriteString("# Active t2 plugins, one per line (written by t2build/t2conf).\n")
	b.WriteString("# The core (tranalyzer2) is always active. An empty list means no plugin;\n")
	b.WriteString("# delete this file to activate T2's default plugin set.\n")
	for _, n := range names {
		b.WriteString(n)
		b.WriteByte('\n')
	}
	return []byte(b.String())
}

// ParsePluginDefaults reads a plugin's default file (its header names the
// component), as plugin tests do with the file their package embeds.
func ParsePluginDefaults(file string, data []byte) (*Component, error) {
	info, ok := pluginHeader(data)
	if !ok {
		return nil, &LineError{Path: file, Line: 1, Msg: "a plugin file must start with \"# plugin: NAME NUMBER\""}
	}
	return parseDefault(info.Name, file, data)
}

// Override sets key to the value text raw (as written in a file), checked
// against the schema like a user file's line.
func (comp *Component) Override(key, raw string) error {
	return comp.apply("override", []byte(key+" = "+raw+"\n"))
}

// UserFile returns the user's copy of the data file name (plugin folder,
// then config home), read like the config files (plugin.Files).
func (c *Config) UserFile(name string) ([]byte, bool, error) {
	file, ok := c.opts.Lookup(name)
	if !ok {
		return nil, false, nil
	}
	data, err := c.opts.readUserFile(file, MaxDataFile)
	return data, true, err
}
