package control

import (
	"syscall"
	"testing"
)

func TestSignalStateMachine(t *testing.T) {
	tests := []struct {
		name  string
		sigs  []syscall.Signal
		want  []Event
		state RunState
	}{
		{"int once", []syscall.Signal{syscall.SIGINT}, []Event{EvNoNewFlows}, NoNewFlows},
		{"int twice", []syscall.Signal{syscall.SIGINT, syscall.SIGINT}, []Event{EvNoNewFlows, EvFlush}, Flush},
		{"int thrice", []syscall.Signal{syscall.SIGINT, syscall.SIGINT, syscall.SIGINT}, []Event{EvNoNewFlows, EvFlush, EvAbortFlush}, AbortFlush},
		{"term", []syscall.Signal{syscall.SIGTERM}, []Event{EvTerminate}, Flush},
		{"term twice", []syscall.Signal{syscall.SIGTERM, syscall.SIGTERM}, []Event{EvTerminate, EvKill}, AbortFlush},
		{"int then term", []syscall.Signal{syscall.SIGINT, syscall.SIGTERM}, []Event{EvNoNewFlows, EvTerminate}, Flush},
		{"usr1 usr2 hup", []syscall.Signal{syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGHUP}, []Event{EvReport, EvTogglePeriodic, EvReload}, Running},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := &Signals{}
			var got []Event
			for _, s := range tc.sigs {
				if ev, ok := c.translate(s); ok {
					got = append(got, ev)
				}
			}
			if len(got) != len(tc.want) {
				t.Fatalf("events %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("events %v, want %v", got, tc.want)
				}
			}
			if c.State() != tc.state {
				t.Fatalf("state %d, want %d", c.State(), tc.state)
			}
		})
	}
}
