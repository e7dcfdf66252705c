package cliutil

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"testing"

	"github.com/t2go/t2go/pkg/iostreams"
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

// pflag's messages become T2's lines, naming the argument as typed.
func TestFlagError(t *testing.T) {
	tests := []struct{ msg, stderr string }{
		{"unknown shorthand flag: 'x' in -x", "Unknown option '-x'\n"},
		{"unknown shorthand flag: 'F' in -FOO", "Unknown option '-FOO'\n"},
		{"unknown flag: --frob", "Unknown option '--frob'\n"},
		{"flag needs an argument: 'D' in -D", "Option '-D' requires an argument\n"},
		{"flag needs an argument: --pid", "Option '--pid' requires an argument\n"},
		{"bad flag syntax: ---x", "Unknown option '---x'\n"},
	}
	for _, tt := range tests {
		var out, errOut bytes.Buffer
		err := FlagError(iostreams.Test("", &out, &errOut), "t2conf", errors.New(tt.msg))
		if ExitCode("t2conf", err, &errOut) != 1 || errOut.String() != tt.stderr || out.String() != "Try 't2conf --help' for more information.\n" {
			t.Errorf("%q: %q %q", tt.msg, errOut.String(), out.String())
		}
	}
}

func TestVersionLine(t *testing.T) {
	v := VersionLine("t2stat")
	if !regexp.MustCompile(`^t2stat \(t2go\) \S+ \(commit ([0-9a-f]{1,12}|unknown)`).MatchString(v) {
		t.Errorf("VersionLine = %q", v)
	}
	commit = "0123456789abcdef"
	defer func() { commit = "" }()
	if v := Version(); v != "devel (commit 0123456789ab)" {
		t.Errorf("with a linked commit: %q", v)
	}
}
