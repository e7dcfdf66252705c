package control

import (
	"errors"
	"fmt"
	"strings"

	"github.com/t2go/t2go/pkg/config"
	"github.com/t2go/t2go/pkg/counters"
	"github.com/t2go/t2go/pkg/flow"
	"github.com/t2go/t2go/pkg/plugin"
)

// This file is the one place where plugins are chosen, instantiated and
// initialised; the engine only receives the initialised instances.

// loadPlugins makes one fresh instance of every active plugin (plugins.txt,
// or -b FILE), in plugin-number order.
func (r *Run) loadPlugins() error {
	names, explicit := r.opt.Config.ActivePlugins()
	if r.opt.PluginList != "" {
		list, err := readPluginList(r.opt.PluginList)
		if err != nil {
			return err
		}
		names, explicit = list, true
	}
	active := map[string]bool{}
	for _, n := range names {
		active[n] = true
	}
	// Without a plugin list T2's default set runs (those compiled in).
	defaults := map[string]bool{}
	for _, n := range r.opt.Config.DefaultPlugins() {
		defaults[n] = true
	}
	for _, d := range plugin.All() {
		if explicit && !active[d.Name] || !explicit && !defaults[d.Name] {
			continue
		}
		delete(active, d.Name)
		r.plugins = append(r.plugins, d.New())
		r.descs = append(r.descs, d)
		r.names = append(r.names, d.Name+", "+d.Version)
	}
	delete(active, core)
	for n := range active {
		return fmt.Errorf("plugin list names an unknown plugin '%s' (known: %s)", n, knownPlugins())
	}
	return nil
}

func knownPlugins() string {
	var s []string
	for _, d := range plugin.All() {
		s = append(s, d.Name)
	}
	return strings.Join(s, ", ")
}

// readPluginList reads a -b plugin list (plugins.txt syntax).
func readPluginList(path string) ([]string, error) {
	b, err := config.ReadFileLimited(path, config.MaxPluginList)
	if err != nil {
		return nil, fmt.Errorf("cannot read plugin list: %w", err)
	}
	return config.ParsePluginList(path, b)
}

// initPlugins calls Init on every plugin with its own settings, keeps
// the report-side hooks and hands the plugins to the engine (packet-side
// hooks, sinks).
func (r *Run) initPlugins(hdr plugin.HeaderInfo) error {
	start := plugin.SinkStart{Prefix: r.prefix, Split: r.opt.Split, Header: hdr}
	if r.opt.FlowsStdout {
		if r.opt.Stdout == nil {
			return errors.New("flows go to stdout (-w -) but no stdout was given")
		}
		start.Stdout = r.opt.Stdout
	}
	if r.pool != nil {
		return r.pool.initWorkers(start)
	}
	for i, p := range r.plugins {
		if err := r.initPlugin(r.descs[i], p, r.eng.Table(), r.eng.Counters(), logAdapter{r.repW}); err != nil {
			return err
		}
	}
	for _, p := range r.plugins {
		if x, ok := p.(plugin.Reporter); ok {
			r.reporter = append(r.reporter, x)
		}
		if x, ok := p.(plugin.Monitor); ok {
			r.monitors = append(r.monitors, x)
		}
		if x, ok := p.(plugin.Finisher); ok {
			r.finish = append(r.finish, x)
		}
	}
	if r.opt.PacketMode {
		var err error
		if r.pkt, err = newStream(r.prefix+"_packets.txt", true, nil); err != nil {
			return err
		}
		r.eng.SetPacketOutput(r.pkt)
	}
	return r.eng.SetPlugins(r.plugins, start)
}

// initPlugin calls Init on plugin p (descriptor d) with its own settings,
// its engine's flow table and the run's counters.
func (r *Run) initPlugin(d plugin.Descriptor, p plugin.Plugin, table *flow.Table, c *counters.Counters, log plugin.Logger) error {
	cfg := r.opt.Config
	core, _ := cfg.Component(config.Core)
	comp, ok := cfg.Component(d.Name)
	if !ok {
		return fmt.Errorf("%s: no settings (its %s.toml is not in the catalogue pkg/plugins)", d.Name, d.Name)
	}
	env := &plugin.Env{
		Settings:   plugin.NewSettings(d.Name, comp),
		Core:       plugin.NewSettings(config.Core, core),
		Files:      cfg,
		Log:        log,
		Table:      table,
		Counters:   c,
		Prefix:     r.prefix,
		PacketMode: r.opt.PacketMode,
	}
	if x, ok := p.(plugin.Initer); ok {
		if err := x.Init(env); err != nil {
			return fmt.Errorf("%s: %w", d.Name, err)
		}
	}
	for _, s := range []*plugin.Settings{env.Settings, env.Core} {
		if err := s.Err(); err != nil {
			return fmt.Errorf("%s: %w", d.Name, err)
		}
	}
	return nil
}
