package control

import (
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
)

// RunState is the run's life cycle, driven by SIGINT/SIGTERM.
type RunState int32

const (
	Running    RunState = iota // normal operation
	NoNewFlows                 // first SIGINT: existing flows continue, none created
	Flush                      // second SIGINT or SIGTERM: stop reading, release all flows, report, exit
	AbortFlush                 // third SIGINT during the flush: stop writing flows, still report
)

// Event is one action requested by a signal.
type Event int

const (
	EvReport         Event = iota + 1 // USR1: one report now
	EvTogglePeriodic                  // USR2: periodic reports on/off
	EvNoNewFlows                      // SIGINT #1
	EvFlush                           // SIGINT #2
	EvAbortFlush                      // SIGINT #3
	EvTerminate                       // SIGTERM (flush and exit)
	EvKill                            // SIGTERM while already flushing: exit now
	EvReload                          // SIGHUP: re-read the monitoring settings
)

// Signals owns the signal subscription and T2's run-state machine
// (SIGINT once: no new flows; twice: flush and exit; thrice: abort the
// flush; SIGTERM: flush and exit; USR1 one report, USR2 periodic reports
// on/off, HUP reload). Create it before printing anything so an early
// USR1/USR2 never kills the process with the default action (a T2 0.9.3
// bug).
type Signals struct {
	Events chan Event
	sigs   chan os.Signal
	state  atomic.Int32

	// interrupted is closed by the first SIGINT or SIGTERM, for the
	// phases before the run loop reads Events (opening the input).
	interrupted chan struct{}
	intOnce     sync.Once

	haltMu sync.Mutex
	halt   func(abort bool)
}

// Handled are the signals Signals subscribes to.
var Handled = []os.Signal{syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP}

// Subscribe subscribes to the signals and translates them into Events.
func Subscribe() *Signals {
	c := &Signals{
		Events:      make(chan Event, 1024),
		sigs:        make(chan os.Signal, 64),
		interrupted: make(chan struct{}),
	}
	signal.Notify(c.sigs, Handled...)
	// A reader that goes away (t2 ... | nc host port) must not kill t2
	// before its flows are written: writes report EPIPE instead and the
	// run stops cleanly.
	signal.Ignore(syscall.SIGPIPE)
	go c.loop()
	return c
}

// State returns the current run state (safe from any goroutine).
func (c *Signals) State() RunState { return RunState(c.state.Load()) }

// Interrupted is closed by the first SIGINT or SIGTERM.
func (c *Signals) Interrupted() <-chan struct{} { return c.interrupted }

// SetHalt registers f to be called (on the signal goroutine) when the
// state reaches Flush (abort false) or AbortFlush (abort true), so the
// packet path stops within a packet instead of at the end of its batch.
// If the state is already there, f is called at once.
func (c *Signals) SetHalt(f func(abort bool)) {
	c.haltMu.Lock()
	c.halt = f
	c.haltMu.Unlock()
	switch c.State() {
	case Flush:
		f(false)
	case AbortFlush:
		f(true)
	}
}

func (c *Signals) loop() {
	for s := range c.sigs {
		ev, ok := c.translate(s)
		if !ok {
			continue
		}
		c.haltMu.Lock()
		halt := c.halt
		c.haltMu.Unlock()
		if halt != nil {
			switch ev {
			case EvFlush, EvTerminate:
				halt(false)
			case EvAbortFlush, EvKill:
				halt(true)
			}
		}
		c.send(ev)
	}
}

// translate applies a signal to the state machine and returns the event
// to deliver. It is separate from loop so tests can drive it directly.
func (c *Signals) translate(s os.Signal) (Event, bool) {
	switch s {
	case syscall.SIGUSR1:
		return EvReport, true
	case syscall.SIGUSR2:
		return EvTogglePeriodic, true
	case syscall.SIGHUP:
		return EvReload, true
	case syscall.SIGINT:
		c.interrupt()
		switch RunState(c.state.Load()) {
		case Running:
			c.state.Store(int32(NoNewFlows))
			return EvNoNewFlows, true
		case NoNewFlows:
			c.state.Store(int32(Flush))
			return EvFlush, true
		case Flush:
			c.state.Store(int32(AbortFlush))
			return EvAbortFlush, true
		}
		return 0, false
	case syscall.SIGTERM:
		c.interrupt()
		if RunState(c.state.Load()) >= Flush {
			c.state.Store(int32(AbortFlush))
			return EvKill, true
		}
		c.state.Store(int32(Flush))
		return EvTerminate, true
	}
	return 0, false
}

func (c *Signals) interrupt() {
	if c.interrupted != nil {
		c.intOnce.Do(func() { close(c.interrupted) })
	}
}

// send delivers ev to the run loop. When 1024 events are already queued
// a further USR1 is dropped (a report is pending anyway); every other
// event waits for room, so toggles and state changes are never lost.
func (c *Signals) send(ev Event) {
	if ev == EvReport {
		select {
		case c.Events <- ev:
		default:
		}
		return
	}
	c.Events <- ev
}
