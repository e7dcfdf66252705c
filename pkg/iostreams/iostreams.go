// Package iostreams bundles the standard streams of a command so that
// every command (t2, t2stat, t2conf, t2build, t2rrd, tcol) can be run and
// tested without a terminal.
package iostreams

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
)

// IO is the stdin/stdout/stderr of one command run.
type IO struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
	// IsTTY reports whether Out is a terminal (colours, prompts, pager).
	IsTTY bool
	// InTTY and ErrTTY report whether In and ErrOut are terminals
	// (interactive questions; t2's progress bar on stderr).
	InTTY, ErrTTY bool

	in *bufio.Reader
}

// System returns the process's own streams.
func System() *IO {
	return &IO{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		IsTTY: isTerminal(os.Stdout), InTTY: isTerminal(os.Stdin), ErrTTY: isTerminal(os.Stderr)}
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// Test returns streams backed by the given input and two writers.
func Test(in string, out, errOut io.Writer) *IO {
	return &IO{In: strings.NewReader(in), Out: out, ErrOut: errOut}
}

// ReadLine reads one line of input without its newline; at end of input
// it returns "" and io.EOF.
func (s *IO) ReadLine() (string, error) {
	if s.in == nil {
		s.in = bufio.NewReader(s.In)
	}
	line, err := s.in.ReadString('\n')
	if err == io.EOF && line != "" {
		err = nil
	}
	return strings.TrimRight(line, "\r\n"), err
}

// Confirm prints prompt (no newline) on Out and reads an answer; only "y"
// and "yes" (any case) count as yes. With assumeYes it prints "yes" as the
// answer instead of reading, like T2's -y.
func (s *IO) Confirm(prompt string, assumeYes bool) bool {
	fmt.Fprint(s.Out, prompt)
	if assumeYes {
		fmt.Fprintln(s.Out, "yes")
		return true
	}
	ans, err := s.ReadLine()
	if err != nil && ans == "" {
		fmt.Fprintln(s.Out)
	}
	switch strings.ToLower(strings.TrimSpace(ans)) {
	case "y", "yes":
		return true
	}
	return false
}

// Colour wraps text in an ANSI colour when Out is a terminal and NO_COLOR
// is unset.
func (s *IO) Colour(code, text string) string {
	if !s.IsTTY || os.Getenv("NO_COLOR") != "" {
		return text
	}
	return "\x1b[" + code + "m" + text + "\x1b[0m"
}

// ANSI colour codes used by the tools, as T2's scripts use them.
const (
	Red    = "0;31"
	Green  = "0;32"
	Orange = "0;33"
	Blue   = "0;34"
)
