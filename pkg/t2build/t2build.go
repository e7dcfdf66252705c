// Package t2build implements the t2build command. t2's plugins are
// compiled in, so "building" a plugin means activating it in the active
// plugin list (plugins.txt) after checking the configuration; nothing is
// compiled.
package t2build

import (
	"fmt"
	"io/fs"
	"strings"

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
                  $T2_HOME or ~/.tranalyzer]
    -y            Do not ask for confirmation before executing an action

    -h, --help    Show help options and exit
`

// Command is one t2build run.
type Command struct {
	IO       *iostreams.IO
	Home     string // "" = config.DefaultHome()
	Defaults fs.FS  // nil = the embedded defaults
	// Finder finds running t2 instances for the "currently running" guard.
	Finder t2proc.Finder
}

type options struct {
	names                []string
	all, rebuild, unload bool
	empty, list, yes     bool
	listFile, pluginDir  string
}

func (c *Command) bad(format string, args ...any) error {
	fmt.Fprintf(c.IO.ErrOut, format+"\n", args...)
	fmt.Fprintln(c.IO.Out, "Try 't2build --help' for more information.")
	return cliutil.Exit(1)
}

func (c *Command) parse(args []string) (*options, error) {
	o := &options{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch a {
		case "-h", "--help", "-?":
			fmt.Fprint(c.IO.Out, usage)
			return nil, cliutil.Exit(0)
		case "-a":
			o.all = true
		case "-R":
			o.rebuild = true
		case "-u":
			o.unload = true
		case "-e":
			o.empty = true
		case "-l":
			o.list = true
		case "-y":
			o.yes = true
		case "-b", "-p":
			if i+1 >= len(args) {
				return nil, c.bad("Option '%s' requires an argument", a)
			}
			i++
			if a == "-b" {
				o.listFile = args[i]
			} else {
				o.pluginDir = args[i]
			}
		case "--reset":
			fmt.Fprintf(c.IO.ErrOut, "Unknown option '%s'\n", a)
			fmt.Fprintln(c.IO.Out, "Did you mean to call 't2conf --reset' instead?")
			return nil, cliutil.Exit(1)
		default:
			if strings.HasPrefix(a, "-") {
				return nil, cliutil.UnknownOption(c.IO.Out, c.IO.ErrOut, "t2build", a)
			}
			o.names = append(o.names, config.NormalizePluginName(a))
		}
	}
	if o.unload && len(o.names) == 0 {
		return nil, c.bad("Option '-u' needs the names of the plugins to deactivate")
	}
	if o.unload && (o.all || o.empty || o.listFile != "") {
		return nil, c.bad("Option '-u' cannot be combined with -a, -b or -e")
	}
	return o, nil
}

// Run executes t2build with the arguments after the program name.
func (c *Command) Run(args []string) error {
	o, err := c.parse(args)
	if err != nil {
		return err
	}
	opts := config.Options{Home: c.Home, PluginDir: o.pluginDir, Defaults: c.Defaults}
	defaults, err := config.LoadDefaults(opts)
	if err != nil {
		return err
	}
	known := map[string]config.PluginInfo{}
	for _, p := range defaults.Plugins() {
		known[p.Name] = p
	}
	if o.listFile != "" {
		data, err := config.ReadFileLimited(o.listFile, config.MaxPluginList)
		if err != nil {
			return fmt.Errorf("plugin list: %w", err)
		}
		names, err := config.ParsePluginList(o.listFile, data)
		if err != nil {
			return err
		}
		o.names = append(o.names, names...)
	}
	seen := map[string]bool{}
	uniq := o.names[:0]
	for _, n := range o.names {
		if !seen[n] {
			seen[n] = true
			uniq = append(uniq, n)
		}
	}
	o.names = uniq
	for _, n := range o.names {
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
	if o.list {
		return c.list(opts, defaults)
	}
	if !o.rebuild && !o.unload && !o.empty && !o.all && len(o.names) == 0 {
		// T2 builds its default set; here every plugin is compiled in, so
		// this checks the configuration like -R.
		o.rebuild = true
	}

	if !c.guard(o.yes) {
		return cliutil.Exit(1)
	}
	unlock, err := config.Lock(opts.WriteDir())
	if err != nil {
		return err
	}
	defer unlock()

	if o.empty {
		file := opts.PluginListFile()
		prompt := fmt.Sprintf("Are you sure you want to empty the plugin list '%s' (y/N)? ", config.DisplayPath(file))
		if !c.IO.Confirm(prompt, o.yes) {
			fmt.Fprintln(c.IO.Out, "Plugin folder not emptied")
			return cliutil.Exit(1)
		}
		if err := opts.WritePluginList(nil); err != nil {
			return fmt.Errorf("writing %s: %w", config.DisplayPath(file), err)
		}
		fmt.Fprintln(c.IO.Out, "Plugin folder emptied")
		fmt.Fprintf(c.IO.Out, "(%s is empty: no plugin is active, only the core)\n", config.DisplayPath(file))
		if len(o.names) == 0 && !o.all {
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
	case o.unload:
		return c.unload(opts, active, o.names)
	case o.all || len(o.names) > 0:
		return c.activate(opts, cfg, active, explicit, o)
	}
	return c.check(cfg, active, explicit)
}

// guard asks before changing anything while t2 runs (T2's question), and
// explains that running instances keep their settings.
func (c *Command) guard(yes bool) bool {
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

func (c *Command) list(opts config.Options, defaults *config.Config) error {
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
func (c *Command) check(cfg *config.Config, active []string, explicit bool) error {
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

func (c *Command) activate(opts config.Options, cfg *config.Config, active []string, explicit bool, o *options) error {
	names := o.names
	if o.all {
		names = nil
		for _, p := range cfg.Plugins() {
			names = append(names, p.Name)
		}
	}
	on := map[string]bool{}
	for _, n := range active {
		on[n] = true
	}
	list := append([]string{}, active...)
	var added []string
	for _, n := range names {
		if n == config.Core || on[n] {
			continue
		}
		on[n] = true
		list = append(list, n)
		added = append(added, n)
	}
	if len(added) > 0 || o.all && !explicit {
		if err := opts.WritePluginList(orderByNumber(cfg, list)); err != nil {
			return fmt.Errorf("writing %s: %w", config.DisplayPath(opts.PluginListFile()), err)
		}
	}
	isNew := map[string]bool{}
	for _, n := range added {
		isNew[n] = true
	}
	fmt.Fprintf(c.IO.Out, "\n%s\n", c.IO.Colour(iostreams.Blue, "'Tranalyzer2'"))
	plugins := 0
	for _, n := range names {
		if n == config.Core {
			continue
		}
		plugins++
		state := "already active"
		if isNew[n] {
			state = "activated"
		}
		fmt.Fprintf(c.IO.Out, "%s: %s\n", c.IO.Colour(iostreams.Blue, fmt.Sprintf("Plugin '%s'", n)), state)
	}
	fmt.Fprintf(c.IO.Out, "\n%s\n", c.IO.Colour(iostreams.Green, "BUILDING SUCCESSFUL"))
	return nil
}

func (c *Command) unload(opts config.Options, active, names []string) error {
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
