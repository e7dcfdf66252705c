package control

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/t2go/t2go/pkg/capture"
	"github.com/t2go/t2go/pkg/counters"
	"github.com/t2go/t2go/pkg/engine"
	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/plugin"
	"github.com/t2go/t2go/pkg/record"
	"github.com/t2go/t2go/pkg/report"
)

// This file runs several packet engines on one interface (-i IFACE -j N,
// N > 1): one per AF_PACKET socket of a kernel fanout group, each with
// its own goroutine, flow table and plugin instances. The control
// goroutine keeps the signals, timers and reports: for a report it
// pauses every worker between two batches (pool.stopTheWorld) and adds
// their counters up, so a report is still one consistent snapshot.

// pool is the run's capture workers.
type pool struct {
	r   *Run
	ws  []*worker
	cpu []int // core of each worker (-c with several cores), or nil

	errs    chan workerErr // a worker ended: its read error, or nil at EOF
	flowIdx atomic.Uint64  // findex counter shared by the flow tables
	sinkMu  sync.Mutex     // serialises the shared sinks
	// The sinks' own report lines and columns (one instance each, read
	// under sinkMu: their record renderers keep writing during a report).
	sinkReporters []plugin.Reporter
	sinkMonitors  []plugin.Monitor

	notesMu sync.Mutex
	notes   []note
	noteCh  chan struct{}
	first   bool // the first packet was announced

	// total is the workers' counters added up, refreshed by counters()
	// before every report (workers waiting) and at the end; the plugins'
	// Env.Counters, so they print shares of the run's totals.
	total  counters.Counters
	paused bool
	ended  int // workers whose goroutine returned
}

type workerErr struct {
	id  int
	err error
}

// note is a message from a worker for the report stream.
type note struct {
	warn  bool
	msg   string
	first bool // a worker's first packet at ts
	ts    packet.Time
}

// worker is one packet engine with its plugin instances.
type worker struct {
	id       int
	eng      *engine.Engine
	src      capture.Source
	plugins  []plugin.Plugin // non-sink instances (worker 0: all)
	reporter []plugin.Reporter
	monitors []plugin.Monitor
	finish   []plugin.Finisher

	calls chan func()
	quit  chan struct{}
	done  chan struct{}
}

// workerCount is the number of packet workers: -j, else WORKERS; only
// live captures have several.
func (r *Run) workerCount() int {
	n := r.opt.Workers
	if n <= 0 {
		n = int(r.opt.Config.Int(core, "WORKERS"))
	}
	return max(n, 1)
}

// newPool builds n engines (the first is r.eng) and their plugins.
func (r *Run) newPool(n int, eo engine.Options) error {
	if r.opt.InputKind != InputLive {
		return fmt.Errorf("%d workers: several workers need a live interface (-i); capture files are read by one", n)
	}
	if !capture.FanoutAvailable {
		return fmt.Errorf("%d workers: several workers need Linux (AF_PACKET fanout); use one worker (-j 1)", n)
	}
	if r.opt.PacketMode {
		return fmt.Errorf("%d workers: -s (packet file) needs one worker: its packet numbers follow one packet stream", n)
	}
	p := &pool{r: r, errs: make(chan workerErr, n), noteCh: make(chan struct{}, 1)}
	eo.FlowIndex = &p.flowIdx
	for i := 0; i < n; i++ {
		w := &worker{id: i, calls: make(chan func()), quit: make(chan struct{}), done: make(chan struct{})}
		w.eng = engine.New(eo, workerHooks{p, i})
		p.ws = append(p.ws, w)
	}
	if len(r.opt.CPUs) > 1 {
		for i := range p.ws {
			p.cpu = append(p.cpu, r.opt.CPUs[i%len(r.opt.CPUs)])
		}
	}
	r.pool = p
	r.eng = p.ws[0].eng
	return nil
}

// openFanout opens the workers' sockets.
func (p *pool) openFanout(iface string, o capture.Options) (capture.Source, error) {
	o.Stop = nil // each Read returns within the read timeout; Stop waits for it
	srcs, err := capture.OpenFanout(iface, len(p.ws), o)
	if err != nil {
		return nil, err
	}
	for i, w := range p.ws {
		w.src = srcs[i]
		w.eng.SetSource(srcs[i])
	}
	return srcs[0], nil
}

// capturePath is the startup line naming how packets are captured.
func (r *Run) capturePath() string {
	if r.pool == nil {
		return "Capture: libpcap, 1 worker"
	}
	cores := ""
	if r.pool.cpu != nil {
		var s []string
		for _, c := range r.pool.cpu {
			s = append(s, fmt.Sprint(c+1))
		}
		cores = ", pinned to cores " + strings.Join(s, ",")
	}
	return fmt.Sprintf("Capture: AF_PACKET TPACKET_V3 fanout (by IP address pair), %d workers, ring of %d bytes each%s",
		len(r.pool.ws), r.cfg.bufSize, cores)
}

// initWorkers initialises the plugins of every worker: worker 0 has the
// run's instances (r.plugins, sinks included); the others get fresh
// instances of the non-sink plugins and write through worker 0's sinks.
func (p *pool) initWorkers(start plugin.SinkStart) error {
	r := p.r
	var sinks []plugin.Plugin
	for i, w := range p.ws {
		var ps []plugin.Plugin
		if i == 0 {
			ps = r.plugins
		} else {
			for _, d := range r.descs {
				ps = append(ps, d.New())
			}
		}
		var own []plugin.Plugin
		for k, pl := range ps {
			_, isSink := pl.(plugin.Sink)
			if _, ok := pl.(plugin.RecordSink); ok {
				isSink = true
			}
			if isSink && i > 0 {
				continue
			}
			// The run's totals (p.total), not the worker's: plugins
			// print shares of the whole run.
			if err := r.initPlugin(r.descs[k], pl, w.eng.Table(), &p.total, noteLog{p}); err != nil {
				return err
			}
			if isSink {
				sinks = append(sinks, shareSink(pl, &p.sinkMu))
				continue
			}
			own = append(own, pl)
		}
		w.plugins = own
		for _, pl := range own {
			if x, ok := pl.(plugin.Reporter); ok {
				w.reporter = append(w.reporter, x)
			}
			if x, ok := pl.(plugin.Monitor); ok {
				w.monitors = append(w.monitors, x)
			}
			if x, ok := pl.(plugin.Finisher); ok {
				w.finish = append(w.finish, x)
			}
		}
		if err := w.eng.SetPlugins(append(own[:len(own):len(own)], sinks...), start); err != nil {
			return err
		}
	}
	// The run's report-side lists: worker 0's, then the sinks'.
	r.reporter, r.monitors, r.finish = nil, nil, nil
	r.monitors = append(r.monitors, p.ws[0].monitors...)
	r.finish = append(r.finish, p.ws[0].finish...)
	for _, s := range sinks {
		pl := s.(interface{ inner() plugin.Plugin }).inner()
		if x, ok := pl.(plugin.Reporter); ok {
			p.sinkReporters = append(p.sinkReporters, x)
		}
		if x, ok := pl.(plugin.Monitor); ok {
			p.sinkMonitors = append(p.sinkMonitors, x)
			r.monitors = append(r.monitors, x)
		}
		if x, ok := pl.(plugin.Finisher); ok {
			r.finish = append(r.finish, x)
		}
	}
	return nil
}

// sharedSink is one sink written by every worker's record renderer,
// under one lock; it starts the sink once (every worker has the same
// columns). Text and record sinks get the wrapper of their kind, so the
// engine sees the same interfaces as on the sink itself.
type sharedSink struct {
	plugin.Plugin
	mu      *sync.Mutex
	started bool
}

func (s *sharedSink) inner() plugin.Plugin { return s.Plugin }

func (s *sharedSink) start(st plugin.SinkStart, f func(plugin.SinkStart) error) error {
	if s.started {
		return nil
	}
	s.started = true
	return f(st)
}

type sharedText struct{ *sharedSink }

func (s sharedText) StartSink(st plugin.SinkStart) error {
	return s.start(st, s.Plugin.(plugin.Sink).StartSink)
}

func (s sharedText) WriteFlow(line []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.Plugin.(plugin.Sink).WriteFlow(line)
}

type sharedRecords struct{ *sharedSink }

func (s sharedRecords) StartSink(st plugin.SinkStart) error {
	return s.start(st, s.Plugin.(plugin.RecordSink).StartSink)
}

func (s sharedRecords) WriteRecord(ops []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.Plugin.(plugin.RecordSink).WriteRecord(ops)
}

type sharedBoth struct{ *sharedSink }

func (s sharedBoth) StartSink(st plugin.SinkStart) error {
	return s.start(st, s.Plugin.(plugin.Sink).StartSink)
}
func (s sharedBoth) WriteFlow(line []byte) error  { return sharedText(s).WriteFlow(line) }
func (s sharedBoth) WriteRecord(ops []byte) error { return sharedRecords(s).WriteRecord(ops) }

// shareSink wraps sink plugin pl for the workers.
func shareSink(pl plugin.Plugin, mu *sync.Mutex) plugin.Plugin {
	s := &sharedSink{Plugin: pl, mu: mu}
	_, text := pl.(plugin.Sink)
	_, recs := pl.(plugin.RecordSink)
	switch {
	case text && recs:
		return sharedBoth{s}
	case recs:
		return sharedRecords{s}
	}
	return sharedText{s}
}

// noteLog lets the plugins of a worker print on the report stream.
type noteLog struct{ p *pool }

func (l noteLog) Infof(format string, args ...any) { l.p.note(note{msg: fmt.Sprintf(format, args...)}) }
func (l noteLog) Warnf(format string, args ...any) {
	l.p.note(note{warn: true, msg: fmt.Sprintf(format, args...)})
}

func (p *pool) note(n note) {
	p.notesMu.Lock()
	p.notes = append(p.notes, n)
	p.notesMu.Unlock()
	select {
	case p.noteCh <- struct{}{}:
	default:
	}
}

// printNotes prints the workers' messages (control goroutine).
func (p *pool) printNotes() {
	p.notesMu.Lock()
	ns := p.notes
	p.notes = nil
	p.notesMu.Unlock()
	r := p.r
	for _, n := range ns {
		switch {
		case n.first:
			if !p.first {
				p.first = true
				r.intervalTS = n.ts
				if r.cfg.verbose > 0 {
					report.WriteDumpStart(r.repW, &report.State{FirstPacket: n.ts})
				}
			}
		case n.warn:
			r.repW.Warn("%s", n.msg)
		default:
			r.repW.Info("%s", n.msg)
		}
	}
	r.rep.Flush()
}

// workerHooks is a worker engine's view of the run: what the engine
// tells is queued for the control goroutine.
type workerHooks struct {
	p  *pool
	id int
}

func (h workerHooks) FirstPacket(ts packet.Time) { h.p.note(note{first: true, ts: ts}) }
func (h workerHooks) ReportDue()                 {}
func (h workerHooks) Gap(packet.Time)            {}
func (h workerHooks) BatchDone()                 {}
func (h workerHooks) Idle()                      {}
func (h workerHooks) FileOpened(capture.Info)    {}
func (h workerHooks) FileError(err error)        { h.p.note(note{warn: true, msg: err.Error()}) }
func (h workerHooks) Info(msg string)            { h.p.note(note{msg: fmt.Sprintf("worker %d: %s", h.id+1, msg)}) }
func (h workerHooks) Warn(msg string) {
	h.p.note(note{warn: true, msg: fmt.Sprintf("worker %d: %s", h.id+1, msg)})
}

var _ engine.Hooks = workerHooks{}

// run is a worker's goroutine: it handles its engine's batches and runs
// the control goroutine's calls between two batches.
func (p *pool) run(w *worker) {
	defer close(w.done)
	if p.cpu != nil {
		runtime.LockOSThread()
		var set unix.CPUSet
		set.Set(p.cpu[w.id])
		if err := unix.SchedSetaffinity(0, &set); err != nil {
			p.note(note{warn: true, msg: fmt.Sprintf("worker %d: cannot pin to core %d: %v", w.id+1, p.cpu[w.id]+1, err)})
		}
	}
	for {
		select {
		case <-w.quit:
			return
		case f := <-w.calls:
			f()
		case m := <-w.eng.Ready():
			if err := w.eng.Process(m); err != nil {
				if errors.Is(err, io.EOF) {
					err = nil
				}
				p.errs <- workerErr{w.id, err}
				return
			}
		}
	}
}

// stopTheWorld runs fn on the control goroutine while every worker waits
// between two batches, so fn may read (and change) all engines.
func (p *pool) stopTheWorld(fn func()) {
	if p.paused {
		fn()
		return
	}
	release := make(chan struct{})
	var wg sync.WaitGroup
	for _, w := range p.ws {
		wg.Add(1)
		select {
		case w.calls <- func() { wg.Done(); <-release }:
		case <-w.done:
			wg.Done()
		}
	}
	wg.Wait()
	p.paused = true
	fn()
	p.paused = false
	close(release)
}

// loop is Run.loop for several workers.
func (p *pool) loop() error {
	r := p.r
	r.opt.Signals.SetHalt(func(abort bool) {
		for _, w := range p.ws {
			if abort {
				w.eng.Abort()
			} else {
				w.eng.Halt()
			}
		}
	})
	for _, w := range p.ws {
		w.eng.Start()
		go p.run(w)
	}
	defer p.stop()
	drain := time.NewTicker(200 * time.Millisecond)
	defer drain.Stop()
	var tick <-chan time.Time
	for {
		if r.outputGone() {
			return nil
		}
		tick = nil
		if r.ticker != nil {
			tick = r.ticker.C
		}
		select {
		case ev := <-r.opt.Signals.Events:
			if stop := p.handleEvent(ev); stop {
				return nil
			}
		case <-tick:
			if r.periodic {
				p.stopTheWorld(func() {
					r.refreshIdleClock()
					r.printReport()
				})
			}
		case reply := <-r.metricsReq:
			p.stopTheWorld(func() { reply <- r.metricsRow() })
		case <-p.noteCh:
			p.printNotes()
		case we := <-p.errs:
			p.ended++
			if we.err != nil {
				// One worker failed: the run ends, every worker's
				// flows are still written.
				return we.err // it names the worker
			}
			if p.ended == len(p.ws) {
				r.inputEnd = true
				return nil
			}
		case <-drain.C:
			if r.eng.NewFlowsStopped() && p.flowsInMemory() == 0 {
				r.repW.Info("All flows timed out after SIGINT: exiting")
				return nil
			}
			r.rep.Flush()
		}
	}
}

// flowsInMemory adds up the workers' flows; outside stopTheWorld only
// its zero test is exact (a drain check).
func (p *pool) flowsInMemory() int {
	n := 0
	p.stopTheWorld(func() {
		for _, w := range p.ws {
			n += w.eng.FlowsInMemory()
		}
	})
	return n
}

func (p *pool) handleEvent(ev Event) bool {
	r := p.r
	switch ev {
	case EvNoNewFlows:
		p.stopTheWorld(func() {
			for _, w := range p.ws {
				w.eng.StopNewFlows()
			}
		})
		r.repW.Info("SIGINT: Stop flow creation, when all pending flows timeout (%gs): exit", r.cfg.flowTimeout)
		r.rep.Flush()
		return p.flowsInMemory() == 0
	case EvAbortFlush, EvKill:
		for _, w := range p.ws {
			w.eng.Abort()
		}
		return true
	}
	return r.handleEvent(ev)
}

// stop ends the worker goroutines and the engines' readers.
func (p *pool) stop() {
	for _, w := range p.ws {
		close(w.quit)
	}
	for _, w := range p.ws {
		<-w.done
	}
	for _, w := range p.ws {
		w.eng.Stop()
	}
	p.printNotes()
}

// counters returns the workers' counters added up (call it while the
// workers wait, or after they ended).
func (p *pool) counters() *counters.Counters {
	p.total = counters.Counters{}
	p.total.MinHdrs = 0xffff
	for _, w := range p.ws {
		p.total.Add(w.eng.Counters())
	}
	// Add sums the peaks; the peak of the run is at most that and at
	// least the current total, so the sum is what is known.
	return &p.total
}

// firstPacket is the earliest first packet of the workers.
func (p *pool) firstPacket() (packet.Time, bool) {
	var first packet.Time
	ok := false
	for _, w := range p.ws {
		if t, has := w.eng.FirstPacket(); has && (!ok || t < first) {
			first, ok = t, true
		}
	}
	return first, ok
}

// actTime is the latest clock of the workers.
func (p *pool) actTime() packet.Time {
	var t packet.Time
	for _, w := range p.ws {
		t = max(t, w.eng.ActTime())
	}
	return t
}

func (p *pool) capacity() int {
	n := 0
	for _, w := range p.ws {
		n += w.eng.Table().Capacity()
	}
	return n
}

// stats adds up the workers' ring counters.
func (p *pool) stats() (capture.Stats, bool) {
	var sum capture.Stats
	for _, w := range p.ws {
		if w.src == nil {
			continue
		}
		st, _ := w.src.Stats()
		sum.Received += st.Received
		sum.Dropped += st.Dropped
		sum.IfDropped += st.IfDropped
	}
	return sum, true
}

func (p *pool) finish() error {
	var first error
	for _, w := range p.ws {
		if err := w.eng.Finish(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

func (p *pool) closeSources() error {
	var first error
	for _, w := range p.ws {
		if w.src != nil {
			if err := w.src.Close(); err != nil && first == nil {
				first = err
			}
		}
	}
	return first
}

// combine returns a plugin's rule for adding its values up.
func combine(pl any) report.Combine {
	if c, ok := pl.(plugin.Combiner); ok {
		return c.ReportCombine()
	}
	return report.CombineSum
}

// pluginLines prints the report lines of every plugin, each combined
// over the workers; lines(w, i, out) makes worker w's plugin i print.
func (p *pool) pluginLines(out *report.Writer, n int, owner func(w *worker, i int) any, lines func(w *worker, i int, rw *report.Writer)) {
	for i := 0; i < n; i++ {
		per := make([][]report.Line, len(p.ws))
		for j, w := range p.ws {
			rw := &report.Writer{W: io.Discard, C: out.C, Collect: func(l report.Line) { per[j] = append(per[j], l) }}
			lines(w, i, rw)
		}
		for _, l := range report.CombineLines(combine(owner(p.ws[0], i)), per) {
			out.Plugin(l.Name, l.Format, l.Args...)
		}
	}
}

// reportPlugins sets the plugin parts of a report: every plugin's lines
// and machine columns, each combined over the workers.
func (p *pool) reportPlugins(s *report.State, monitoring, diff bool) {
	if monitoring {
		s.Plugins = func(w *report.Writer) {
			p.pluginLines(w, len(p.ws[0].monitors), func(x *worker, i int) any { return x.monitors[i] },
				func(x *worker, i int, rw *report.Writer) { x.monitors[i].MonitorReport(rw, diff) })
			p.sinkMu.Lock()
			defer p.sinkMu.Unlock()
			for _, m := range p.sinkMonitors {
				m.MonitorReport(w, diff)
			}
		}
	} else {
		s.Plugins = func(w *report.Writer) {
			p.pluginLines(w, len(p.ws[0].reporter), func(x *worker, i int) any { return x.reporter[i] },
				func(x *worker, i int, rw *report.Writer) { x.reporter[i].Report(rw) })
			p.sinkMu.Lock()
			defer p.sinkMu.Unlock()
			for _, x := range p.sinkReporters {
				x.Report(w)
			}
		}
	}
	s.PluginValues = func(w *record.Writer) {
		p.monitorValues(w, diff)
		p.sinkMu.Lock()
		defer p.sinkMu.Unlock()
		for _, m := range p.sinkMonitors {
			m.MonitorValues(w, diff)
		}
	}
}

// monitorValues appends every plugin's machine columns, combined.
func (p *pool) monitorValues(out *record.Writer, diff bool) {
	var tmp record.Writer
	for i := range p.ws[0].monitors {
		rows := make([][]string, len(p.ws))
		for j, w := range p.ws {
			tmp.Reset()
			w.monitors[i].MonitorValues(&tmp, diff)
			rows[j] = strings.Split(strings.TrimPrefix(string(tmp.Bytes()), "\t"), "\t")
			if len(tmp.Bytes()) == 0 {
				rows[j] = nil
			}
		}
		for _, f := range report.CombineFields(combine(p.ws[0].monitors[i]), rows) {
			out.Field()
			out.RawString(f)
		}
	}
}

// mergeForFinish adds the state of every other worker's instance of each
// plugin with a Finish (files written at the end, such as protoStats'
// histogram) into worker 0's, which then writes it: numbers add up (the
// maximum with report.CombineMax), everything else is worker 0's. It
// runs after every flow was released, when per-flow state is dead.
func (p *pool) mergeForFinish() {
	for i, pl := range p.ws[0].plugins {
		if _, ok := pl.(plugin.Finisher); !ok {
			continue
		}
		rule := combine(pl)
		dst := reflect.ValueOf(pl)
		if dst.Kind() != reflect.Pointer || dst.Elem().Kind() != reflect.Struct {
			continue
		}
		for _, w := range p.ws[1:] {
			if i < len(w.plugins) {
				mergeValue(rule, dst.Elem(), reflect.ValueOf(w.plugins[i]).Elem())
			}
		}
	}
}

func mergeValue(rule report.Combine, dst, src reflect.Value) {
	// Pointers and maps are not followed: what they point at may be
	// shared (configuration, the run's counters) or not a count.
	switch dst.Kind() {
	case reflect.Struct:
		if dst.Type() == reflect.TypeOf(counters.Counters{}) {
			return // the engine's, added up elsewhere
		}
		for k := 0; k < dst.NumField(); k++ {
			mergeValue(rule, settable(dst.Field(k)), src.Field(k))
		}
	case reflect.Array:
		for k := 0; k < dst.Len(); k++ {
			mergeValue(rule, dst.Index(k), src.Index(k))
		}
	case reflect.Slice:
		if dst.Len() == 0 || src.Len() == 0 || dst.Pointer() == src.Pointer() {
			return // shared backing array: not this instance's own counts
		}
		for k := 0; k < dst.Len() && k < src.Len(); k++ {
			mergeValue(rule, dst.Index(k), src.Index(k))
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if rule == report.CombineMax {
			dst.SetInt(max(dst.Int(), src.Int()))
		} else {
			dst.SetInt(dst.Int() + src.Int())
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if rule == report.CombineMax {
			dst.SetUint(max(dst.Uint(), src.Uint()))
		} else {
			dst.SetUint(dst.Uint() + src.Uint())
		}
	case reflect.Float32, reflect.Float64:
		if rule == report.CombineMax {
			dst.SetFloat(max(dst.Float(), src.Float()))
		} else {
			dst.SetFloat(dst.Float() + src.Float())
		}
	}
}

// settable makes an unexported struct field writable (the plugin's own
// state, merged by mergeForFinish).
func settable(v reflect.Value) reflect.Value {
	if v.CanSet() || !v.CanAddr() {
		return v
	}
	return reflect.NewAt(v.Type(), unsafe.Pointer(v.UnsafeAddr())).Elem()
}
