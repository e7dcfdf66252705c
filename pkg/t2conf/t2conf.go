// Package t2conf implements the t2conf command: read and change the
// run-time settings of t2 and its plugins (the user's NAME.toml files) and
// switch all plugins on or off.
package t2conf

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/t2go/t2go/pkg/cliutil"
	"github.com/t2go/t2go/pkg/config"
	"github.com/t2go/t2go/pkg/iostreams"
	"github.com/t2go/t2go/pkg/t2proc"
)

const usage = `t2conf - Configure Tranalyzer2 and the plugins

Usage:
    t2conf [OPTION...] [PLUGIN...]

    PLUGIN is tranalyzer2 (the core, used when no PLUGIN is given) or the
    name of a plugin. Settings are stored in HOME/PLUGIN.toml (HOME is
    $T2_HOME or ~/.tranalyzer) and read by t2 at startup and on SIGHUP:
    no rebuild is needed.

Action arguments:
    -I               list every setting of the plugin with its value,
                     default, allowed values and description
    -G name          print the value of setting 'name'
    -D name=value    set 'name' to 'value' (yes/no are accepted for 0/1)
    -D name=default  reset 'name' to its default value
                     (-G and -D need exactly ONE plugin)
    --reset          restore the default settings of the plugins
                     (tranalyzer2 when no plugin is given; every plugin and
                     the default plugin list with -a)

Tranalyzer2 configuration arguments:
    --dual           dissect IPv4 and IPv6 (IPV6_ACTIVATE=2)
    --ip6            dissect IPv6 only (IPV6_ACTIVATE=1)
    --ip4            dissect IPv4 only (IPV6_ACTIVATE=0)
    -m               monitoring preset: MONINTPSYNC=1 MONINTTMPCP=1
                     VERBOSE=0 DIFF_REPORT=1 MACHINE_REPORT=1

Plugins configuration arguments:
    -a               activate all plugins
    -0               deactivate all plugins (only the core stays active)

Optional arguments:
    -p path          use the plugin folder 'path': settings are read from
                     and written to 'path' first
    -y               do not ask for confirmation (t2conf never asks; kept
                     for T2 compatibility)

Help and documentation arguments:
    -h, --help       display this help and exit
`

// MonitoringPreset is what -m sets in tranalyzer2 (T2's preset).
var MonitoringPreset = []string{"MONINTPSYNC=1", "MONINTTMPCP=1", "VERBOSE=0", "DIFF_REPORT=1", "MACHINE_REPORT=1"}

// Command is one t2conf run.
type Command struct {
	IO *iostreams.IO
	// Home overrides the config home ("" = config.DefaultHome()).
	Home string
	// Defaults overrides the embedded default files (tests).
	Defaults fs.FS
	// Finder finds running t2 instances for the "keep their settings"
	// notice.
	Finder t2proc.Finder
}

type options struct {
	components []string
	defines    []string
	gets       []string
	info       bool
	reset      bool
	all, none  bool
	monitoring bool
	ipMode     string
	pluginDir  string
}

func (c *Command) bad(format string, args ...any) error {
	fmt.Fprintf(c.IO.ErrOut, format+"\n", args...)
	fmt.Fprintln(c.IO.Out, "Try 't2conf --help' for more information.")
	return cliutil.Exit(1)
}

func (c *Command) parse(args []string) (*options, error) {
	o := &options{}
	if len(args) == 0 {
		fmt.Fprint(c.IO.Out, usage)
		return nil, cliutil.Exit(1)
	}
	need := func(i int, opt string) (string, error) {
		if i+1 >= len(args) {
			return "", c.bad("Option '%s' requires an argument", opt)
		}
		return args[i+1], nil
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-h" || a == "--help" || a == "-?":
			fmt.Fprint(c.IO.Out, usage)
			return nil, cliutil.Exit(0)
		case a == "-D" || a == "-G" || a == "-p":
			v, err := need(i, a)
			if err != nil {
				return nil, err
			}
			i++
			c.addValue(o, a, v)
		case len(a) > 2 && (strings.HasPrefix(a, "-D") || strings.HasPrefix(a, "-G")) && a[2] != '-':
			c.addValue(o, a[:2], a[2:])
		case a == "-I":
			o.info = true
		case a == "--reset":
			o.reset = true
		case a == "-a":
			o.all = true
		case a == "-0":
			o.none = true
		case a == "-m" || a == "--monitoring":
			o.monitoring = true
		case a == "--dual" || a == "--ip6" || a == "--ip4":
			o.ipMode = a
		case a == "-y" || a == "--yes":
		case strings.HasPrefix(a, "-"):
			return nil, cliutil.UnknownOption(c.IO.Out, c.IO.ErrOut, "t2conf", a)
		default:
			o.components = append(o.components, strings.TrimSuffix(a, "/"))
		}
	}
	for _, d := range o.defines {
		if strings.Count(d, "=") < 1 || strings.HasPrefix(d, "=") {
			return nil, c.bad("Option '-D': expected name=value, found '%s'", d)
		}
	}
	if o.all && o.none {
		return nil, c.bad("Options -a and -0 cannot be used together")
	}
	if (len(o.defines) > 0 || len(o.gets) > 0) && len(o.components) > 1 {
		return nil, c.bad("-D and -G options can only be used with ONE plugin")
	}
	return o, nil
}

func (c *Command) addValue(o *options, opt, v string) {
	switch opt {
	case "-D":
		o.defines = append(o.defines, v)
	case "-G":
		o.gets = append(o.gets, v)
	case "-p":
		o.pluginDir = v
	}
}

// Run executes t2conf with the arguments after the program name.
func (c *Command) Run(args []string) error {
	o, err := c.parse(args)
	if err != nil {
		return err
	}
	opts := config.Options{Home: c.Home, PluginDir: o.pluginDir, Defaults: c.Defaults}
	cfg, err := config.LoadDefaults(opts)
	if err != nil {
		return err
	}
	for _, name := range o.components {
		if err := c.checkComponent(cfg, name); err != nil {
			return err
		}
	}
	target := config.Core
	if len(o.components) == 1 {
		target = o.components[0]
	}
	if (o.monitoring || o.ipMode != "") && target != config.Core {
		return c.bad("Options -m, --dual, --ip4 and --ip6 configure tranalyzer2, not '%s'", target)
	}

	unlock, err := config.Lock(opts.WriteDir())
	if err != nil {
		return err
	}
	defer unlock()

	changed := false
	if o.reset {
		names := o.components
		if len(names) == 0 {
			names = []string{config.Core}
		}
		if o.all {
			names = cfg.Components()
		}
		for _, name := range names {
			if err := c.reset(cfg, opts, name); err != nil {
				return err
			}
		}
		if o.all {
			if err := c.resetPluginList(cfg, opts); err != nil {
				return err
			}
		}
		changed = true
	} else if o.all || o.none {
		var names []string
		if o.all {
			for _, p := range cfg.Plugins() {
				names = append(names, p.Name)
			}
		}
		if err := opts.WritePluginList(names); err != nil {
			return fmt.Errorf("writing %s: %w", config.DisplayPath(opts.PluginListFile()), err)
		}
		if o.all {
			fmt.Fprintf(c.IO.Out, "All %d plugins activated\n", len(names))
		} else {
			fmt.Fprintln(c.IO.Out, "All plugins deactivated (only the core stays active)")
		}
		changed = true
	}

	defines := o.defines
	if o.monitoring {
		defines = append(append([]string{}, MonitoringPreset...), defines...)
	}
	switch o.ipMode {
	case "--dual":
		defines = append([]string{"IPV6_ACTIVATE=2"}, defines...)
	case "--ip6":
		defines = append([]string{"IPV6_ACTIVATE=1"}, defines...)
	case "--ip4":
		defines = append([]string{"IPV6_ACTIVATE=0"}, defines...)
	}
	if len(defines) > 0 {
		if err := c.define(cfg, opts, target, defines); err != nil {
			return err
		}
		changed = true
	}

	if len(o.gets) > 0 || o.info || (!changed && len(o.components) > 0) {
		full, err := config.Load(opts)
		if err != nil {
			return err
		}
		for _, g := range o.gets {
			if err := c.get(full, target, g); err != nil {
				return err
			}
		}
		if o.info || (!changed && len(o.gets) == 0) {
			for _, name := range o.components {
				c.info(full, name)
			}
			if len(o.components) == 0 {
				c.info(full, config.Core)
			}
		}
	}
	if changed {
		c.notice()
	}
	return nil
}

func (c *Command) checkComponent(cfg *config.Config, name string) error {
	if _, ok := cfg.Component(name); ok {
		return nil
	}
	var known []string
	for _, p := range cfg.Plugins() {
		if p.Name == name {
			return nil
		}
		known = append(known, p.Name)
	}
	known = append(known, config.Core)
	msg := fmt.Sprintf("Unknown plugin '%s'", name)
	if near := config.Suggest(name, known); len(near) > 0 {
		msg += " (did you mean " + strings.Join(near, ", ") + "?)"
	}
	return c.bad("%s", msg)
}

// component returns the settings of name or an error for plugins that
// have none.
func (c *Command) component(cfg *config.Config, name string) (*config.Component, error) {
	comp, ok := cfg.Component(name)
	if !ok {
		return nil, fmt.Errorf("plugin '%s' has no settings (no %s.toml among the defaults)", name, name)
	}
	return comp, nil
}

func (c *Command) unknownKey(comp *config.Component, key string) error {
	msg := fmt.Sprintf("%s: unknown setting '%s'", comp.Name, key)
	if near := config.Suggest(key, comp.Keys()); len(near) > 0 {
		msg += " (did you mean " + strings.Join(near, ", ") + "?)"
	}
	msg += fmt.Sprintf("; 't2conf %s -I' lists them all", comp.Name)
	return errors.New(msg)
}

// define applies NAME=VALUE edits to the user file of one component. All
// values are checked first; on any error nothing is written.
func (c *Command) define(cfg *config.Config, opts config.Options, name string, defines []string) error {
	comp, err := c.component(cfg, name)
	if err != nil {
		return err
	}
	file := filepath.Join(opts.WriteDir(), name+".toml")
	data, err := c.current(opts, comp, file)
	if err != nil {
		return err
	}
	doc, err := config.ParseDocument(file, data)
	if err != nil {
		return fmt.Errorf("%v (fix or delete the file, or run 't2conf %s --reset')", err, name)
	}
	for _, d := range defines {
		key, val, _ := strings.Cut(d, "=")
		key = strings.TrimSpace(key)
		spec, ok := comp.Spec(key)
		if !ok {
			return c.unknownKey(comp, key)
		}
		raw, err := spec.Canonical(val)
		if err != nil {
			return fmt.Errorf("%s: %s = %s: %v", name, key, val, err)
		}
		doc.Set(key, raw)
	}
	out := doc.Bytes()
	if err := comp.CheckDocument(file, out); err != nil {
		return fmt.Errorf("%v (fix or delete the file, or run 't2conf %s --reset')", err, name)
	}
	if existing, err := os.ReadFile(file); err == nil && string(existing) == string(out) {
		return nil
	}
	if err := config.WriteFileAtomic(file, out); err != nil {
		return fmt.Errorf("writing %s: %w", config.DisplayPath(file), err)
	}
	return nil
}

// current returns the text to edit: the file itself, else the user file
// in effect for the component (e.g. the home's when editing a plugin
// folder), else the default.
func (c *Command) current(opts config.Options, comp *config.Component, file string) ([]byte, error) {
	if data, err := os.ReadFile(file); err == nil {
		return data, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("reading %s: %w", config.DisplayPath(file), err)
	}
	if src, ok := opts.Lookup(comp.Name + ".toml"); ok {
		data, err := os.ReadFile(src)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", config.DisplayPath(src), err)
		}
		return data, nil
	}
	return comp.DefaultText(), nil
}

// reset makes the defaults of a component effective: its file in the
// write folder is removed, or overwritten with the defaults when another
// user file would still be found.
func (c *Command) reset(cfg *config.Config, opts config.Options, name string) error {
	comp, ok := cfg.Component(name)
	if !ok {
		return nil // a plugin without settings has nothing to reset
	}
	file := filepath.Join(opts.WriteDir(), name+".toml")
	if err := os.Remove(file); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing %s: %w", config.DisplayPath(file), err)
	}
	if _, still := opts.Lookup(name + ".toml"); still {
		if err := config.WriteFileAtomic(file, comp.DefaultText()); err != nil {
			return fmt.Errorf("writing %s: %w", config.DisplayPath(file), err)
		}
	}
	fmt.Fprintf(c.IO.Out, "%s: default settings restored\n", name)
	return nil
}

// resetPluginList restores the default plugin set: every plugin active.
func (c *Command) resetPluginList(cfg *config.Config, opts config.Options) error {
	if err := opts.RemovePluginList(); err != nil {
		return err
	}
	if _, still := opts.Lookup(config.PluginListName); still {
		var names []string
		for _, p := range cfg.Plugins() {
			names = append(names, p.Name)
		}
		if err := opts.WritePluginList(names); err != nil {
			return err
		}
	}
	fmt.Fprintln(c.IO.Out, "Default plugin set restored (every plugin active)")
	return nil
}

func (c *Command) get(cfg *config.Config, name, key string) error {
	comp, err := c.component(cfg, name)
	if err != nil {
		return err
	}
	if _, ok := comp.Spec(key); !ok {
		return c.unknownKey(comp, key)
	}
	fmt.Fprintf(c.IO.Out, "%s = %s\n", key, comp.Raw(key))
	return nil
}

func (c *Command) info(cfg *config.Config, name string) {
	comp, ok := cfg.Component(name)
	if !ok {
		fmt.Fprintf(c.IO.Out, "%s: no settings\n", name)
		return
	}
	src := "built-in defaults"
	if comp.Source != "" {
		src = config.DisplayPath(comp.Source)
	}
	fmt.Fprintf(c.IO.Out, "# %s (%s)\n", name, src)
	for _, k := range comp.Keys() {
		s, _ := comp.Spec(k)
		fmt.Fprintf(c.IO.Out, "%s = %s\n", k, comp.Raw(k))
		fmt.Fprintf(c.IO.Out, "    default: %s   allowed: %s\n", s.DefaultText, s.Allowed())
		fmt.Fprintf(c.IO.Out, "    %s\n", s.Description)
	}
}

func (c *Command) notice() {
	procs, err := c.Finder.Find()
	if err != nil || len(procs) == 0 {
		return
	}
	fmt.Fprintln(c.IO.ErrOut, t2proc.RunningNotice(procs))
}
