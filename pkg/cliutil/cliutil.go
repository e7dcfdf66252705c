// Package cliutil holds what the three companion tools share at their
// edge: exit codes and T2's error idiom.
package cliutil

import (
	"errors"
	"fmt"
	"io"
)

// ExitError ends a command with Code after the command has already printed
// what the user needs to see.
type ExitError struct{ Code int }

func (e *ExitError) Error() string { return fmt.Sprintf("exit status %d", e.Code) }

// Exit returns an ExitError.
func Exit(code int) error { return &ExitError{Code: code} }

// UnknownOption prints T2's two lines for an unknown option (the first on
// errOut, the hint on out) and returns exit status 1.
func UnknownOption(out, errOut io.Writer, tool, opt string) error {
	fmt.Fprintf(errOut, "Unknown option '%s'\n", opt)
	fmt.Fprintf(out, "Try '%s --help' for more information.\n", tool)
	return Exit(1)
}

// ExitCode maps a command's error to a process exit status and prints a
// non-ExitError as one line "tool: error" on errOut.
func ExitCode(tool string, err error, errOut io.Writer) int {
	if err == nil {
		return 0
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	fmt.Fprintf(errOut, "%s: %v\n", tool, err)
	return 1
}
