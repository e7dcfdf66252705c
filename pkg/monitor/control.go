// Package monitor turns UNIX signals into analyzer actions and decides
// when periodic reports are due: T2's run-state machine (SIGINT once: no
// new flows; twice: flush and exit; thrice: abort the flush; SIGTERM:
// flush and exit), USR1 one report, USR2 periodic reports on/off, HUP
// reload, and the pcap-time trigger.
package monitor

import (
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
)

// RunState is the analyzer's life cycle, driven by SIGINT/SIGTERM.
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

// Control owns the signal subscription. Create it before printing
// anything so an early USR1/USR2 never kills the process with the
// default action (a T2 0.9.3 bug).
type Control struct {
	Events chan Event
	sigs   chan os.Signal
	state  atomic.Int32
	done   chan struct{}
}

// Signals handled by Control.
var Signals = []os.Signal{syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP}

// Start subscribes to the signals and translates them into Events.
func Start() *Control {
	c := &Control{
		Events: make(chan Event, 1024),
		sigs:   make(chan os.Signal, 64),
		done:   make(chan struct{}),
	}
	signal.Notify(c.sigs, Signals...)
	// A reader that goes away (t2 ... | nc host port) must not kill t2
	// before its flows are written: writes report EPIPE instead and the
	// analyzer stops cleanly.
	signal.Ignore(syscall.SIGPIPE)
	go c.loop()
	return c
}

// State returns the current run state (safe from any goroutine).
func (c *Control) State() RunState { return RunState(c.state.Load()) }

// Stop unsubscribes.
func (c *Control) Stop() {
	signal.Stop(c.sigs)
	close(c.done)
}

func (c *Control) loop() {
	for {
		select {
		case <-c.done:
			return
		case s := <-c.sigs:
			if ev, ok := c.translate(s); ok {
				c.send(ev)
			}
		}
	}
}

// translate applies a signal to the state machine and returns the event
// to deliver. It is separate from loop so tests can drive it directly.
func (c *Control) translate(s os.Signal) (Event, bool) {
	switch s {
	case syscall.SIGUSR1:
		return EvReport, true
	case syscall.SIGUSR2:
		return EvTogglePeriodic, true
	case syscall.SIGHUP:
		return EvReload, true
	case syscall.SIGINT:
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
		if RunState(c.state.Load()) >= Flush {
			c.state.Store(int32(AbortFlush))
			return EvKill, true
		}
		c.state.Store(int32(Flush))
		return EvTerminate, true
	}
	return 0, false
}

// send delivers ev to the analyzer. When 1024 events are already queued
// a further USR1 is dropped (a report is pending anyway); every other
// event waits for room, so toggles and state changes are never lost.
func (c *Control) send(ev Event) {
	if ev == EvReport {
		select {
		case c.Events <- ev:
		default:
		}
		return
	}
	c.Events <- ev
}
