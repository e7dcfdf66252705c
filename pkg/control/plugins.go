package control

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/t2go/t2go/pkg/config"
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
	for _, d := range plugin.All() {
		if explicit && !active[d.Name] {
			continue
		}
		delete(active, d.Name)
		p := d.New()
		r.descs = append(r.descs, d)
		r.plugins = append(r.plugins, p)
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
	b, err := ReadFileLimited(path, MaxListBytes)
	if err != nil {
		return nil, fmt.Errorf("cannot read plugin list '%s': %w", path, err)
	}
	return config.ParsePluginList(path, b)
}

// initPlugins calls Init on every plugin, keeps the report-side hooks and
// hands the plugins to the engine (packet-side hooks, sinks).
func (r *Run) initPlugins(hdr plugin.HeaderInfo) error {
	env := &plugin.Env{
		Config:        r.opt.Config,
		Log:           logAdapter{r.repW},
		Table:         r.eng.Table(),
		Counters:      r.eng.Counters(),
		Prefix:        r.prefix,
		PacketMode:    r.opt.PacketMode,
		FlowsToStdout: r.opt.FlowsStdout,
		Stdout:        r.opt.Stdout,
		Split:         r.opt.Split,
		HeaderInfo:    hdr,
	}
	if r.pool != nil {
		return r.pool.initWorkers(*env)
	}
	for _, p := range r.plugins {
		if i, ok := p.(plugin.Initer); ok {
			if err := i.Init(env); err != nil {
				return fmt.Errorf("%s: %w", p.Name(), err)
			}
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
	return r.eng.SetPlugins(r.plugins)
}

// MaxListBytes bounds the -b and -F files read whole: a plugin list or a
// filter is a few lines, and a wrong name (a capture, /dev/zero) must
// give an error, not fill memory.
const MaxListBytes = 1 << 20

// ReadFileLimited reads path whole when it holds at most limit bytes; a
// longer file (or an endless one) is an error naming the limit.
func ReadFileLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("more than %d bytes", limit)
	}
	return b, nil
}
