// Package t2build implements the t2build command. t2's plugins are
// compiled in, so "building" a plugin means activating it in the active
// plugin list (plugins.txt) after checking the configuration; nothing is
// compiled.
package t2build

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/spf13/cobra"

	"github.com/t2go/t2go/pkg/cliutil"
	"github.com/t2go/t2go/pkg/config"
	"github.com/t2go/t2go/pkg/iostreams"
	"github.com/t2go/t2go/pkg/t2proc"
)

const usage = `t2build - Choose the active t2 plugins and check the configuration

Usage:
    t2build [OPTION...] [plugin...]

    t2's plugins are compiled into t2; "building" a plugin activates it in
    the active plugin list (plugins.txt) after checking its settings.

Optional arguments:
    plugin        Activate these plugins (tranalyzer2 = the core, which is
                  always active; its settings are checked)
    -a            Activate all plugins
    -b file       Activate the plugins listed in 'file'
    -R            Check the settings of the core and of every active plugin
                  and the active plugin list (the tutorial's "rebuild")

    -u            Deactivate the plugins given as arguments
    -e            Deactivate every plugin (empty the active list), then
                  activate the plugins given as arguments, if any
    -l            List all plugins with their numbers and whether they are
                  active, and exit

    -p dir        Use the plugin folder 'dir' [default: the config home,
                  $T2_HOME or ~/.tranalyzer]; a folder without an active
                  list gets exactly the plugins built into it
    -y            Do not ask for confirmation before executing an action

    -h, --help    Show help options and exit
    --version     Show the version and commit of t2go and exit
`

// Options are the settings of one t2build run, filled from the command
// line by NewCmd; Run acts on them.
type Options struct {
	IO       *iostreams.IO
	Home     string // "" = config.DefaultHome()
	Defaults fs.FS  // nil = the embedded defaults
	// Finder finds running t2 instances for the "currently running" guard.
	Finder t2proc.Finder

	Names                []string // plugin arguments
	All, Rebuild, Unload bool     // -a, -R, -u
	Empty, List, Yes     bool     // -e, -l, -y
	ListFile, PluginDir  string   // -b, -p
}

// NormalizeArgs turns T2's -? into --help; t2build's other forms are
// flags cobra parses as they are.
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

// NewCmd returns the t2build command. runF, when not nil, is called with
// the parsed options instead of Run (tests use it to inject hooks).
func NewCmd(ios *iostreams.IO, runF func(*Options) error) *cobra.Command {
	o := &Options{IO: ios}
	cmd := &cobra.Command{
		Use:   "t2build [OPTION...] [plugin...]",
		Short: "choose the active t2 plugins and check the configuration",
		Long: `t2build chooses which of t2's compiled-in plugins are active: "building"
a plugin adds it to the active plugin list (plugins.txt in the config
home, or in the plugin folder given with -p) after checking its settings.
A new plugin folder holds exactly the plugins built into it. t2build -R
checks the settings of the core and of every active plugin.`,
		Example: "  t2build -e -y\n  t2build tranalyzer2 basicFlow basicStats tcpStates ftpDecode txtSink\n  t2build -R\n  t2build -u txtSink",
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, a := range args {
				o.Names = append(o.Names, config.NormalizePluginName(a))
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
			cfg, err := config.LoadDefaults(config.Options{})
			if err != nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			names := []string{config.Core}
			for _, p := range cfg.Plugins() {
				names = append(names, p.Name)
			}
			return names, cobra.ShellCompDirectiveNoFileComp
		},
	}
	fs := cmd.Flags()
	fs.SortFlags = false
	fs.BoolVarP(&o.All, "all", "a", false, "activate all plugins")
	fs.StringVarP(&o.ListFile, "build-list", "b", "", "activate the plugins listed in `FILE`")
	fs.BoolVarP(&o.Rebuild, "rebuild", "R", false, "check the settings of the core and every active plugin and the active list")
	fs.BoolVarP(&o.Unload, "unload", "u", false, "deactivate the plugins given as arguments")
	fs.BoolVarP(&o.Empty, "empty", "e", false, "deactivate every plugin, then activate those given as arguments")
	fs.BoolVarP(&o.List, "list", "l", false, "list all plugins with their numbers and whether they are active")
	fs.StringVarP(&o.PluginDir, "plugin-folder", "p", "", "use the plugin folder `DIR` (default: the config home)")
	fs.BoolVarP(&o.Yes, "yes", "y", false, "do not ask for confirmation")
	cmd.MarkFlagDirname("plugin-folder")
	cmd.MarkFlagFilename("build-list")
	cliutil.Setup(cmd, ios, usage)
	flagErr := cmd.FlagErrorFunc()
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		if err.Error() == "unknown flag: --reset" {
			fmt.Fprintln(ios.ErrOut, "Unknown option '--reset'")
			fmt.Fprintln(ios.Out, "Did you mean to call 't2conf --reset' instead?")
			return cliutil.Exit(1)
		}
		return flagErr(c, err)
	})
	return cmd
}

func (o *Options) bad(format string, args ...any) error {
	fmt.Fprintf(o.IO.ErrOut, format+"\n", args...)
	fmt.Fprintln(o.IO.Out, "Try 't2build --help' for more information.")
	return cliutil.Exit(1)
}

func (o *Options) check() error {
	if o.Unload && len(o.Names) == 0 {
		return o.bad("Option '-u' needs the names of the plugins to deactivate")
	}
	if o.Unload && (o.All || o.Empty || o.ListFile != "") {
		return o.bad("Option '-u' cannot be combined with -a, -b or -e")
	}
	return nil
}

type runner struct{ *Options }

// Run executes t2build.
func Run(o *Options) error {
	c := &runner{o}
	opts := config.Options{Home: o.Home, PluginDir: o.PluginDir, Defaults: o.Defaults}
	defaults, err := config.LoadDefaults(opts)
	if err != nil {
		return err
	}
	known := map[string]config.PluginInfo{}
	for _, p := range defaults.Plugins() {
		known[p.Name] = p
	}
	if o.ListFile != "" {
		data, err := config.ReadFileLimited(o.ListFile, config.MaxPluginList)
		if err != nil {
			return fmt.Errorf("plugin list: %w", err)
		}
		names, err := config.ParsePluginList(o.ListFile, data)
		if err != nil {
			return err
		}
		o.Names = append(o.Names, names...)
	}
	seen := map[string]bool{}
	uniq := o.Names[:0]
	for _, n := range o.Names {
		if !seen[n] {
			seen[n] = true
			uniq = append(uniq, n)
		}
	}
	o.Names = uniq
	for _, n := range o.Names {
		if n == config.Core {
			continue
		}
		if _, ok := known[n]; !ok {
			var all []string
			for k := range known {
				all = append(all, k)
			}
			msg := fmt.Sprintf("Unknown plugin '%s'", n)
			if near := config.Suggest(n, append(all, config.Core)); len(near) > 0 {
				msg += " (did you mean " + strings.Join(near, ", ") + "?)"
			}
			fmt.Fprintln(c.IO.ErrOut, msg)
			fmt.Fprintln(c.IO.Out, "Run 't2build -l' to list the plugins.")
			return cliutil.Exit(1)
		}
	}
	if o.List {
		return c.list(opts, defaults)
	}
	if !o.Rebuild && !o.Unload && !o.Empty && !o.All && len(o.Names) == 0 {
		// T2 builds its default set; here every plugin is compiled in, so
		// this checks the configuration like -R.
		o.Rebuild = true
	}

	if !c.guard(o.Yes) {
		return cliutil.Exit(1)
	}
	unlock, err := config.Lock(opts.WriteDir())
	if err != nil {
		return err
	}
	defer unlock()

	if o.Empty {
		file := opts.PluginListFile()
		prompt := fmt.Sprintf("Are you sure you want to empty the plugin list '%s' (y/N)? ", config.DisplayPath(file))
		if !c.IO.Confirm(prompt, o.Yes) {
			fmt.Fprintln(c.IO.Out, "Plugin folder not emptied")
			return cliutil.Exit(1)
		}
		if err := opts.WritePluginList(nil); err != nil {
			return fmt.Errorf("writing %s: %w", config.DisplayPath(file), err)
		}
		fmt.Fprintln(c.IO.Out, "Plugin folder emptied")
		fmt.Fprintf(c.IO.Out, "(%s is empty: no plugin is active, only the core)\n", config.DisplayPath(file))
		if len(o.Names) == 0 && !o.All {
			return nil
		}
	}

	cfg, err := config.Load(opts)
	if err != nil {
		fmt.Fprintln(c.IO.ErrOut, err)
		fmt.Fprintln(c.IO.Out, "Fix the file, or run 't2conf --reset' to restore the defaults.")
		return cliutil.Exit(1)
	}
	active, explicit := cfg.ActivePlugins()
	if !explicit {
		active = cfg.DefaultPlugins()
	}
	if explicit {
		for _, n := range active {
			if _, ok := known[n]; !ok {
				file, _ := opts.Lookup(config.PluginListName)
				fmt.Fprintf(c.IO.ErrOut, "%s: unknown plugin '%s'\n", config.DisplayPath(file), n)
				fmt.Fprintln(c.IO.Out, "Remove it with 't2build -u "+n+"', or run 't2build -l' to list the plugins.")
				return cliutil.Exit(1)
			}
		}
	}

	switch {
	case o.Unload:
		return c.unload(opts, active, o.Names)
	case o.All || len(o.Names) > 0:
		return c.activate(opts, cfg, active, o)
	}
	return c.check(cfg, active, explicit)
}

// guard asks before changing anything while t2 runs (T2's question), and
// explains that running instances keep their settings.
func (c *runner) guard(yes bool) bool {
	procs, err := c.Finder.Find()
	if err != nil || len(procs) == 0 {
		return true
	}
	fmt.Fprintln(c.IO.Out)
	fmt.Fprintln(c.IO.Out, c.IO.Colour(iostreams.Orange, "Tranalyzer is currently running..."))
	fmt.Fprintln(c.IO.Out, t2proc.RunningNotice(procs))
	if c.IO.Confirm("Proceed anyway (y/N)? ", yes) {
		return true
	}
	fmt.Fprintln(c.IO.Out)
	return false
}

func (c *runner) list(opts config.Options, defaults *config.Config) error {
	cfg, err := config.Load(opts)
	if err != nil {
		return err
	}
	active, explicit := cfg.ActivePlugins()
	if !explicit {
		active = cfg.DefaultPlugins()
	}
	on := map[string]bool{}
	for _, n := range active {
		on[n] = true
	}
	fmt.Fprintf(c.IO.Out, "000\t%s\tcore (always active)\n", config.Core)
	for _, p := range defaults.Plugins() {
		state := "inactive"
		if on[p.Name] {
			state = "active"
		}
		fmt.Fprintf(c.IO.Out, "%03d\t%s\t%s\n", p.Number, p.Name, state)
	}
	if !explicit {
		fmt.Fprintln(c.IO.Out, "(no plugins.txt: T2's default plugin set is active)")
	} else {
		file, _ := opts.Lookup(config.PluginListName)
		fmt.Fprintf(c.IO.Out, "(active list: %s)\n", config.DisplayPath(file))
	}
	return nil
}

// check validates the configuration of the core and the active plugins.
// Load has already checked every file; this prints what T2 prints.
func (c *runner) check(cfg *config.Config, active []string, explicit bool) error {
	fmt.Fprintf(c.IO.Out, "\n%s\n", c.IO.Colour(iostreams.Blue, "'Tranalyzer2'"))
	for _, n := range active {
		fmt.Fprintf(c.IO.Out, "%s\n", c.IO.Colour(iostreams.Blue, fmt.Sprintf("Plugin '%s'", n)))
	}
	if explicit && len(active) == 0 {
		fmt.Fprintln(c.IO.Out, "(no plugin active, only the core)")
	}
	fmt.Fprintf(c.IO.Out, "\n%s\n", c.IO.Colour(iostreams.Green, "BUILDING SUCCESSFUL"))
	return nil
}

// activate adds plugins to the active list of the write folder. The
// list it starts from is the folder's own plugins.txt; without one, a -p
// folder is new and holds no plugins yet, as a new T2 plugin folder, so
// it gets exactly the plugins named, while the home starts from what is
// active there (T2's default set, which T2's installation builds).
func (c *runner) activate(opts config.Options, cfg *config.Config, active []string, o *Options) error {
	names := o.Names
	if o.All {
		names = nil
		for _, p := range cfg.Plugins() {
			names = append(names, p.Name)
		}
	}
	file := opts.PluginListFile()
	var base []string
	data, err := config.ReadFileLimited(file, config.MaxPluginList)
	exists := err == nil
	if exists {
		if base, err = config.ParsePluginList(file, data); err != nil {
			return err
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("reading %s: %w", config.DisplayPath(file), err)
	} else if opts.PluginDir == "" {
		base = active
	}
	on := map[string]bool{}
	for _, n := range base {
		on[n] = true
	}
	list := append([]string{}, base...)
	isNew := map[string]bool{}
	for _, n := range names {
		if n == config.Core || on[n] {
			continue
		}
		on[n] = true
		list = append(list, n)
		isNew[n] = true
	}
	if len(isNew) > 0 || !exists && opts.PluginDir != "" {
		if err := opts.WritePluginList(orderByNumber(cfg, list)); err != nil {
			return fmt.Errorf("writing %s: %w", config.DisplayPath(file), err)
		}
	}
	fmt.Fprintf(c.IO.Out, "\n%s\n", c.IO.Colour(iostreams.Blue, "'Tranalyzer2'"))
	for _, n := range names {
		if n == config.Core {
			continue
		}
		state := "already active"
		if isNew[n] {
			state = "activated"
		}
		fmt.Fprintf(c.IO.Out, "%s: %s\n", c.IO.Colour(iostreams.Blue, fmt.Sprintf("Plugin '%s'", n)), state)
	}
	if !exists && opts.PluginDir != "" {
		fmt.Fprintf(c.IO.Out, "(new plugin folder %s: only these plugins are active)\n", config.DisplayPath(opts.PluginDir))
	}
	fmt.Fprintf(c.IO.Out, "\n%s\n", c.IO.Colour(iostreams.Green, "BUILDING SUCCESSFUL"))
	return nil
}

func (c *runner) unload(opts config.Options, active, names []string) error {
	drop := map[string]bool{}
	for _, n := range names {
		if n == config.Core {
			fmt.Fprintln(c.IO.ErrOut, "The core (tranalyzer2) cannot be deactivated")
			return cliutil.Exit(1)
		}
		drop[n] = true
	}
	var keep []string
	removed := map[string]bool{}
	for _, n := range active {
		if drop[n] {
			removed[n] = true
			continue
		}
		keep = append(keep, n)
	}
	if err := opts.WritePluginList(keep); err != nil {
		return fmt.Errorf("writing %s: %w", config.DisplayPath(opts.PluginListFile()), err)
	}
	for _, n := range names {
		if removed[n] {
			fmt.Fprintf(c.IO.Out, "Plugin %s deactivated\n", n)
		} else {
			fmt.Fprintf(c.IO.Out, "Plugin %s was not active\n", n)
		}
	}
	fmt.Fprintf(c.IO.Out, "\n%s\n", c.IO.Colour(iostreams.Green, "UNLOADING SUCCESSFUL"))
	return nil
}

func orderByNumber(cfg *config.Config, names []string) []string {
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	var out []string
	for _, p := range cfg.Plugins() {
		if want[p.Name] {
			out = append(out, p.Name)
		}
	}
	return out
}
