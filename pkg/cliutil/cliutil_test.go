package cliutil

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
)

func TestExitCode(t *testing.T) {
	tests := []struct {
		err  error
		code int
		out  string
	}{
		{nil, 0, ""},
		{Exit(0), 0, ""},
		{Exit(3), 3, ""},
		{fmt.Errorf("wrapped: %w", Exit(2)), 2, ""},
		{errors.New("bad thing"), 1, "tool: bad thing\n"},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		if got := ExitCode("tool", tt.err, &b); got != tt.code || b.String() != tt.out {
			t.Errorf("%v: %d %q", tt.err, got, b.String())
		}
	}
}

func TestUnknownOption(t *testing.T) {
	var out, errOut bytes.Buffer
	err := UnknownOption(&out, &errOut, "t2stat", "-x")
	if ExitCode("t2stat", err, &errOut) != 1 || errOut.String() != "Unknown option '-x'\n" || out.String() != "Try 't2stat --help' for more information.\n" {
		t.Errorf("%q %q", out.String(), errOut.String())
	}
}
