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
	"strconv"
	"strings"

	"github.com/spf13/cobra"

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
    --version        display the version and commit of t2go and exit
`

// MonitoringPreset is what -m sets in tranalyzer2 (T2's preset).
var MonitoringPreset = []string{"MONINTPSYNC=1", "MONINTTMPCP=1", "VERBOSE=0", "DIFF_REPORT=1", "MACHINE_REPORT=1"}

// Options are the settings of one t2conf run, filled from the command
// line by NewCmd; Run acts on them.
type Options struct {
	IO *iostreams.IO
	// Home overrides the config home ("" = config.DefaultHome()).
	Home string
	// Defaults overrides the embedded default files (tests).
	Defaults fs.FS
	// Finder finds running t2 instances for the "keep their settings"
	// notice.
	Finder t2proc.Finder

	Components []string // PLUGIN arguments
	Defines    []string // -D NAME=VALUE
	Gets       []string // -G NAME
	Info       bool     // -I
	Reset      bool     // --reset
	All, None  bool     // -a, -0
	Monitoring bool     // -m
	IPMode     string   // "--dual", "--ip6" or "--ip4" (the last given)
	PluginDir  string   // -p
}

// ipFlag is one of --dual, --ip6, --ip4: like T2, the last one given wins.
type ipFlag struct {
	mode *string
	name string
}

func (f ipFlag) String() string   { return strconv.FormatBool(*f.mode == f.name) }
func (f ipFlag) Type() string     { return "bool" }
func (f ipFlag) IsBoolFlag() bool { return true }
func (f ipFlag) Set(v string) error {
	on, err := strconv.ParseBool(v)
	if err != nil {
		return err
	}
	if on {
		*f.mode = f.name
	} else if *f.mode == f.name {
		*f.mode = ""
	}
	return nil
}

// NormalizeArgs turns T2's -? into --help; every other form of T2's
// t2conf (-D NAME=V, -DNAME=V, -G NAME, -0, --reset -a, ...) is a flag
// cobra parses as it is.
func NormalizeArgs(args []string) []string {
	out := make([]string, 0, len(args))
	for i, a := range args {
		if a == "--" {
			return append(out, args[i:]...)
		}
		if a == "-?" {
			a = "--help"
		}
		out = append(out, a)
	}
	return out
}

// NewCmd returns the t2conf command. runF, when not nil, is called with
// the parsed options instead of Run (tests use it to inject hooks).
func NewCmd(ios *iostreams.IO, runF func(*Options) error) *cobra.Command {
	o := &Options{IO: ios}
	cmd := &cobra.Command{
		Use:   "t2conf [OPTION...] [PLUGIN...]",
		Short: "read and change the settings of t2 and its plugins",
		Long: `t2conf reads and changes the run-time settings of t2 (the component
tranalyzer2) and of its plugins, kept in HOME/NAME.toml (HOME is $T2_HOME
or ~/.tranalyzer; -p selects a plugin folder that is read first). Edits
keep the file's comments; a bad value changes nothing. t2 reads the
settings when it starts and on SIGHUP: no rebuild is needed.`,
		Example: "  t2conf tranalyzer2 -D MACHINE_REPORT=1 -D DIFF_REPORT=1\n  t2conf -D MONINTV=10\n  t2conf -G MONINTV\n  t2conf --reset -a",
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().NFlag() == 0 && len(args) == 0 {
				fmt.Fprint(ios.Out, usage)
				return cliutil.Exit(1)
			}
			for _, a := range args {
				o.Components = append(o.Components, strings.TrimSuffix(a, "/"))
			}
			if err := o.check(); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return Run(o)
		},
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return componentNames(), cobra.ShellCompDirectiveNoFileComp
		},
	}
	fs := cmd.Flags()
	fs.SortFlags = false
	fs.BoolVarP(&o.Info, "info", "I", false, "list every setting of the plugin with value, default, allowed values and description")
	fs.StringArrayVarP(&o.Gets, "get", "G", nil, "print the value of setting `NAME` (repeatable)")
	fs.StringArrayVarP(&o.Defines, "define", "D", nil, "set `NAME=VALUE` (yes/no for 1/0; VALUE default restores the default; repeatable)")
	fs.BoolVar(&o.Reset, "reset", false, "restore the default settings (tranalyzer2 without PLUGIN; every plugin and the plugin list with -a)")
	for _, m := range []struct{ name, usage string }{
		{"dual", "dissect IPv4 and IPv6 (IPV6_ACTIVATE=2)"},
		{"ip6", "dissect IPv6 only (IPV6_ACTIVATE=1)"},
		{"ip4", "dissect IPv4 only (IPV6_ACTIVATE=0)"},
	} {
		fs.Var(ipFlag{&o.IPMode, "--" + m.name}, m.name, m.usage)
		fs.Lookup(m.name).NoOptDefVal = "true"
	}
	fs.BoolVarP(&o.Monitoring, "monitoring", "m", false, "monitoring preset: MONINTPSYNC=1 MONINTTMPCP=1 VERBOSE=0 DIFF_REPORT=1 MACHINE_REPORT=1")
	fs.BoolVarP(&o.All, "all", "a", false, "activate all plugins")
	fs.BoolVarP(&o.None, "none", "0", false, "deactivate all plugins (only the core stays active)")
	fs.StringVarP(&o.PluginDir, "plugin-folder", "p", "", "read settings from and write them to the plugin folder `DIR` first")
	fs.BoolP("yes", "y", false, "do not ask for confirmation (t2conf never asks; kept for T2)")
	cmd.MarkFlagDirname("plugin-folder")
	keys := func(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
		return settingNames(args), cobra.ShellCompDirectiveNoFileComp
	}
	cmd.RegisterFlagCompletionFunc("get", keys)
	cmd.RegisterFlagCompletionFunc("define", func(cmd *cobra.Command, args []string, s string) ([]string, cobra.ShellCompDirective) {
		names := settingNames(args)
		for i := range names {
			names[i] += "="
		}
		return names, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
	})
	cliutil.Setup(cmd, ios, usage)
	return cmd
}

// componentNames are the names t2conf accepts as PLUGIN (completion).
func componentNames() []string {
	cfg, err := config.LoadDefaults(config.Options{})
	if err != nil {
		return nil
	}
	names := []string{config.Core}
	for _, p := range cfg.Plugins() {
		names = append(names, p.Name)
	}
	return names
}

// settingNames are the keys of the one component in args (completion).
func settingNames(args []string) []string {
	cfg, err := config.LoadDefaults(config.Options{})
	if err != nil {
		return nil
	}
	name := config.Core
	if len(args) == 1 {
		name = args[0]
	}
	comp, ok := cfg.Component(name)
	if !ok {
		return nil
	}
	return append([]string(nil), comp.Keys()...)
}

func (o *Options) bad(format string, args ...any) error {
	fmt.Fprintf(o.IO.ErrOut, format+"\n", args...)
	fmt.Fprintln(o.IO.Out, "Try 't2conf --help' for more information.")
	return cliutil.Exit(1)
}

// check applies T2's rules on combining the options.
func (o *Options) check() error {
	for _, d := range o.Defines {
		if strings.Count(d, "=") < 1 || strings.HasPrefix(d, "=") {
			return o.bad("Option '-D': expected name=value, found '%s'", d)
		}
	}
	if o.All && o.None {
		return o.bad("Options -a and -0 cannot be used together")
	}
	if (len(o.Defines) > 0 || len(o.Gets) > 0) && len(o.Components) > 1 {
		return o.bad("-D and -G options can only be used with ONE plugin")
	}
	return nil
}

// Run executes t2conf.
func Run(o *Options) error {
	c := &runner{o}
	opts := config.Options{Home: o.Home, PluginDir: o.PluginDir, Defaults: o.Defaults}
	cfg, err := config.LoadDefaults(opts)
	if err != nil {
		return err
	}
	for _, name := range o.Components {
		if err := c.checkComponent(cfg, name); err != nil {
			return err
		}
	}
	target := config.Core
	if len(o.Components) == 1 {
		target = o.Components[0]
	}
	if (o.Monitoring || o.IPMode != "") && target != config.Core {
		return o.bad("Options -m, --dual, --ip4 and --ip6 configure tranalyzer2, not '%s'", target)
	}

	defines := o.Defines
	if o.Monitoring {
		defines = append(append([]string{}, MonitoringPreset...), defines...)
	}
	switch o.IPMode {
	case "--dual":
		defines = append([]string{"IPV6_ACTIVATE=2"}, defines...)
	case "--ip6":
		defines = append([]string{"IPV6_ACTIVATE=1"}, defines...)
	case "--ip4":
		defines = append([]string{"IPV6_ACTIVATE=0"}, defines...)
	}
	// Only a change takes the lock: reading (-G, -I) works in a folder the
	// user may not write.
	changed := o.Reset || o.All || o.None || len(defines) > 0
	if changed {
		unlock, err := config.Lock(opts.WriteDir())
		if err != nil {
			return err
		}
		defer unlock()
	}

	if o.Reset {
		names := o.Components
		if len(names) == 0 {
			names = []string{config.Core}
		}
		if o.All {
			names = cfg.Components()
		}
		for _, name := range names {
			if err := c.reset(cfg, opts, name); err != nil {
				return err
			}
		}
		if o.All {
			if err := c.resetPluginList(cfg, opts); err != nil {
				return err
			}
		}
	} else if o.All || o.None {
		var names []string
		if o.All {
			for _, p := range cfg.Plugins() {
				names = append(names, p.Name)
			}
		}
		if err := opts.WritePluginList(names); err != nil {
			return fmt.Errorf("writing %s: %w", config.DisplayPath(opts.PluginListFile()), err)
		}
		if o.All {
			fmt.Fprintf(o.IO.Out, "All %d plugins activated\n", len(names))
		} else {
			fmt.Fprintln(o.IO.Out, "All plugins deactivated (only the core stays active)")
		}
	}
	if len(defines) > 0 {
		if err := c.define(cfg, opts, target, defines); err != nil {
			return err
		}
	}

	if len(o.Gets) > 0 || o.Info || (!changed && len(o.Components) > 0) {
		full, err := config.Load(opts)
		if err != nil {
			return err
		}
		for _, g := range o.Gets {
			if err := c.get(full, target, g); err != nil {
				return err
			}
		}
		if o.Info || (!changed && len(o.Gets) == 0) {
			for _, name := range o.Components {
				c.info(full, name)
			}
			if len(o.Components) == 0 {
				c.info(full, config.Core)
			}
		}
	}
	if changed {
		c.notice()
	}
	return nil
}

type runner struct{ *Options }

func (c *runner) checkComponent(cfg *config.Config, name string) error {
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
	return c.Options.bad("%s", msg)
}

// component returns the settings of name or an error for plugins that
// have none.
func (c *runner) component(cfg *config.Config, name string) (*config.Component, error) {
	comp, ok := cfg.Component(name)
	if !ok {
		return nil, fmt.Errorf("plugin '%s' has no settings (no %s.toml among the defaults)", name, name)
	}
	return comp, nil
}

func (c *runner) unknownKey(comp *config.Component, key string) error {
	msg := fmt.Sprintf("%s: unknown setting '%s'", comp.Name, key)
	if near := config.Suggest(key, comp.Keys()); len(near) > 0 {
		msg += " (did you mean " + strings.Join(near, ", ") + "?)"
	}
	msg += fmt.Sprintf("; 't2conf %s -I' lists them all", comp.Name)
	return errors.New(msg)
}

// define applies NAME=VALUE edits to the user file of one component. All
// values are checked first; on any error nothing is written.
func (c *runner) define(cfg *config.Config, opts config.Options, name string, defines []string) error {
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
func (c *runner) current(opts config.Options, comp *config.Component, file string) ([]byte, error) {
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
func (c *runner) reset(cfg *config.Config, opts config.Options, name string) error {
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
func (c *runner) resetPluginList(cfg *config.Config, opts config.Options) error {
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

func (c *runner) get(cfg *config.Config, name, key string) error {
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

func (c *runner) info(cfg *config.Config, name string) {
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

func (c *runner) notice() {
	procs, err := c.Finder.Find()
	if err != nil || len(procs) == 0 {
		return
	}
	fmt.Fprintln(c.IO.ErrOut, t2proc.RunningNotice(procs))
}
