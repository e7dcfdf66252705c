package control

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"syscall"
	"time"

	"github.com/t2go/t2go/pkg/capture"
	"github.com/t2go/t2go/pkg/counters"
	"github.com/t2go/t2go/pkg/engine"
	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/report"
)

// openSource opens the input. Opening may block (a FIFO without writer,
// stdin or a FIFO whose writer sent no pcap header yet): SIGINT and
// SIGTERM still end the run then, leaving the (complete) report stream.
func (r *Run) openSource() error {
	o := capture.Options{
		BPF:          r.opt.BPF,
		SnapLen:      r.cfg.snapLen,
		BufferSize:   r.cfg.bufSize,
		Promisc:      true,
		Timeout:      100 * time.Millisecond,
		PollInterval: time.Duration(r.cfg.pollTM * float64(time.Second)),
		FileTimeout:  time.Duration(r.cfg.mfpTimeout * float64(time.Second)),
		RoundRobin:   r.cfg.rrop,
		OnFile:       r.onFile,
		Warn:         func(msg string) { r.repW.Warn("%s", msg) },
		Stop:         r.eng.Stopping(),
		MaxBytes:     engine.BatchBytes,
	}
	type opened struct {
		src capture.Source
		err error
	}
	done := make(chan opened, 1)
	go func() {
		var o2 opened
		switch r.opt.InputKind {
		case InputFile:
			o2.src, o2.err = capture.OpenFile(r.opt.Input, o)
		case InputList:
			o2.src, o2.err = capture.OpenList(r.opt.Input, o)
		case InputSeries:
			o2.src, o2.err = capture.OpenSeries(r.opt.Input, o)
		case InputLive:
			if r.pool != nil {
				o2.src, o2.err = r.pool.openFanout(r.opt.Input, o)
			} else {
				o2.src, o2.err = capture.OpenLive(r.opt.Input, o)
			}
			if o2.err != nil {
				o2.err = liveHint(o2.err)
			}
		}
		done <- o2
	}()
	select {
	case o2 := <-done:
		if o2.err != nil {
			return o2.err
		}
		r.src = o2.src
		if r.opt.InputKind == InputLive {
			r.onFile(r.src.Info())
			if r.cfg.verbose > 0 {
				r.repW.Info("%s", r.capturePath())
			}
		}
		return nil
	case <-r.opt.Signals.Interrupted():
		// The opening goroutine stays blocked; the process exits next.
		r.abandoned.Store(true)
		r.repW.Info("Interrupted before the input opened: exiting")
		r.rep.Flush()
		return errInterrupted
	}
}

// liveHint adds what to do to a permission error of a live capture.
func liveHint(err error) error {
	if errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EACCES) ||
		strings.Contains(strings.ToLower(err.Error()), "permission") ||
		strings.Contains(err.Error(), "not permitted") {
		return fmt.Errorf("%w (capturing needs root: run with sudo, or give t2 the capability: sudo setcap cap_net_raw,cap_net_admin=eip $(command -v t2))", err)
	}
	return err
}

// onFile receives the source's file notices (through the engine, which
// orders them with the packet stream).
func (r *Run) onFile(ci capture.Info) {
	if r.abandoned.Load() {
		return
	}
	r.eng.OnFile(ci)
}

// printFile prints the input lines of a newly opened file (or the
// interface): what is read, BPF, link type, snapshot length.
func (r *Run) printFile(ci capture.Info) {
	if r.cfg.verbose == 0 {
		return
	}
	in := r.inputFrom(ci)
	report.WriteInput(r.repW, &report.State{Input: in})
	if ci.Pcapng {
		r.warnOnce("pcapng", "PCAP-NG input: 'Percentage completed' counts pcap record sizes and may stay below 100%%")
	}
	if !r.eng.LinkSupported(ci.LinkType) {
		r.warnOnce("lt"+in.LinkName, "Link layer type %s [%s/%d] is not supported: its packets are counted but not dissected",
			in.LinkDesc, in.LinkName, ci.LinkType)
	}
	r.rep.Flush()
}

// loop runs until the input ends or a signal stops it.
func (r *Run) loop() error {
	if r.pool != nil {
		return r.pool.loop()
	}
	r.opt.Signals.SetHalt(func(abort bool) {
		if abort {
			r.eng.Abort()
		} else {
			r.eng.Halt()
		}
	})
	r.eng.Start()
	defer r.eng.Stop()
	var tick <-chan time.Time
	for {
		if r.outputGone() {
			return nil
		}
		if r.ticker != nil {
			tick = r.ticker.C
		} else {
			tick = nil
		}
		select {
		case ev := <-r.opt.Signals.Events:
			if stop := r.handleEvent(ev); stop {
				return nil
			}
		case reply := <-r.metricsReq:
			reply <- r.metricsRow()
		case <-tick:
			if r.periodic {
				r.refreshIdleClock()
				r.printReport()
			}
		case m := <-r.eng.Ready():
			if err := r.eng.Process(m); err != nil {
				if errors.Is(err, io.EOF) {
					r.inputEnd = true
					return nil
				}
				return err
			}
			if r.eng.NewFlowsStopped() && r.eng.FlowsInMemory() == 0 {
				r.repW.Info("All flows timed out after SIGINT: exiting")
				return nil
			}
		}
	}
}

// fileError reports a damaged file of a list or series (one line on
// stderr, and in the log with -l); the run goes on and ends with exit
// status 1 (ErrInputDamaged).
func (r *Run) fileError(err error) {
	r.damaged++
	fmt.Fprintf(r.opt.Stderr, "[ERR] %v\n", err)
	if r.opt.LogFile {
		r.repW.Error("%v", err)
	}
}

// outputGone reports (once) that stdout's reader went away: t2 then
// stops as after a second SIGINT, so every file is complete, and says so
// on stderr (stdout is gone) and in the log.
func (r *Run) outputGone() bool {
	if r.pipeGone {
		return true
	}
	if !r.mon.readerGone() && !r.rep.readerGone() {
		return false
	}
	r.pipeGone = true
	var c *counters.Counters
	if r.pool != nil {
		r.pool.stopTheWorld(func() { c = r.counters() })
	} else {
		c = r.counters()
	}
	fmt.Fprintf(r.opt.Stderr, "[WRN] The reader of stdout went away after %d packets: the rest of the input is not read; the flows seen so far are written, then t2 exits with status 1\n", c.Packets)
	if r.opt.LogFile {
		r.repW.Warn("The reader of stdout went away: removing all flows and exiting")
	}
	return true
}

// handleEvent turns one signal into its action; it returns true when the
// loop must end.
func (r *Run) handleEvent(ev Event) bool {
	switch ev {
	case EvReport:
		r.printReport()
	case EvTogglePeriodic:
		r.setPeriodic(!r.periodic)
	case EvReload:
		r.reload()
	case EvNoNewFlows:
		r.eng.StopNewFlows()
		r.repW.Info("SIGINT: Stop flow creation, when all pending flows timeout (%gs): exit", r.cfg.flowTimeout)
		r.rep.Flush()
		if r.eng.FlowsInMemory() == 0 {
			return true
		}
	case EvFlush:
		r.repW.Info("SIGINT: Remove all flows and exit")
		return true
	case EvTerminate:
		r.repW.Info("SIGTERM: Terminate, terminate. Remove all flows and exit")
		return true
	case EvAbortFlush, EvKill:
		r.eng.Abort()
		return true
	}
	return false
}

// setPeriodic turns the periodic reports (MONINTTMPCP_ON, USR2) on or
// off: on capture time for capture files, else on the wall clock.
func (r *Run) setPeriodic(on bool) {
	r.periodic = on
	if r.ticker != nil {
		r.ticker.Stop()
		r.ticker = nil
	}
	m := &r.cfg.mon
	// With MONINTTMPCP=1 the engine's trigger already follows capture
	// time and USR2 adds the wall-clock timer, as in T2.
	if !m.pcapTime && r.captureClock() {
		iv := packet.Time(0)
		if on {
			iv = packet.FromSeconds(m.timer)
		}
		r.eng.SetReportInterval(iv, m.gapFill)
		return
	}
	// -M 0 is accepted and means the timer never fires (as T2).
	if on && m.timer > 0 {
		r.ticker = time.NewTicker(time.Duration(m.timer * float64(time.Second)))
	}
}

// refreshIdleClock lets a periodic report on a quiet live link carry the
// wall-clock time, so idle rows show the real interval (T2 only refreshes
// after 1.5 s without packets, giving rows of 1.5 s and 0 s).
func (r *Run) refreshIdleClock() {
	if r.pool != nil {
		for _, w := range r.pool.ws {
			if time.Since(w.eng.LastPacketWall()) >= 100*time.Millisecond {
				w.eng.AdvanceClock(packet.Time(time.Now().UnixNano()))
			}
		}
		return
	}
	if r.opt.InputKind != InputLive || time.Since(r.eng.LastPacketWall()) < 100*time.Millisecond {
		return
	}
	r.eng.AdvanceClock(packet.Time(time.Now().UnixNano()))
}

// hooks is the engine's view of the run.
type hooks struct{ r *Run }

func (h hooks) FirstPacket(ts packet.Time) {
	r := h.r
	r.intervalTS = ts
	if r.cfg.verbose > 0 {
		report.WriteDumpStart(r.repW, &report.State{FirstPacket: ts})
		r.rep.Flush()
	}
}

func (h hooks) ReportDue()          { h.r.printReport() }
func (h hooks) Gap(packet.Time)     { h.r.printReport() }
func (h hooks) BatchDone()          { h.r.progressUpdate() }
func (h hooks) FileError(err error) { h.r.fileError(err) }
func (h hooks) FileOpened(ci capture.Info) {
	h.r.printFile(ci)
}
func (h hooks) Info(msg string) { h.r.repW.Info("%s", msg) }
func (h hooks) Warn(msg string) { h.r.repW.Warn("%s", msg) }

// Idle: on a live link the report stream is flushed; a -D series
// waiting for its next file prints a '.' per poll, as T2 does.
func (h hooks) Idle() {
	r := h.r
	if r.opt.InputKind == InputSeries && r.cfg.verbose > 0 {
		r.rep.dot()
	}
	r.rep.Flush()
}

var _ engine.Hooks = hooks{}
