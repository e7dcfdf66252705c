// Package cliutil holds what the suite's commands (t2, t2stat, t2conf,
// t2build, t2rrd, tcol) share at their edge: cobra set up the same way
// (T2's help and error texts, --version), exit codes, and the generated
// shell completions and man pages. The streams a command reads and writes
// are pkg/iostreams.
package cliutil

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/t2go/t2go/pkg/iostreams"
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

// Setup gives a tool's root command the suite's conventions: usage is
// printed for -h/--help (T2's text, kept by hand so it reads like T2's),
// --version prints VersionLine, flag errors become T2's "Unknown option"
// lines, and errors are returned rather than printed by cobra.
func Setup(cmd *cobra.Command, ios *iostreams.IO, usage string) {
	name := cmd.Name()
	cmd.SilenceErrors = true
	cmd.SilenceUsage = true
	cmd.CompletionOptions.DisableDefaultCmd = true
	cmd.DisableFlagsInUseLine = true // Use already says [OPTION...]
	cmd.Version = Version()
	// defined here so that cobra does not take -v for it
	cmd.Flags().Bool("version", false, "print the version and commit of t2go, then exit")
	if cmd.Flags().Lookup("help") == nil {
		cmd.Flags().BoolP("help", "h", false, "show the help text and exit")
	}
	cmd.SetVersionTemplate(VersionLine(name) + "\n")
	cmd.SetHelpFunc(func(*cobra.Command, []string) { fmt.Fprint(ios.Out, usage) })
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return FlagError(ios, name, err)
	})
	cmd.SetIn(ios.In)
	cmd.SetOut(ios.Out)
	cmd.SetErr(ios.ErrOut)
}

// FlagError turns pflag's parse errors into T2's messages: "Unknown
// option '-x'" or "Option '-D' requires an argument", then the --help
// hint, exit status 1.
func FlagError(ios *iostreams.IO, tool string, err error) error {
	msg := err.Error()
	hint := func(format string, args ...any) error {
		fmt.Fprintf(ios.ErrOut, format+"\n", args...)
		fmt.Fprintf(ios.Out, "Try '%s --help' for more information.\n", tool)
		return Exit(1)
	}
	switch {
	case strings.HasPrefix(msg, "unknown shorthand flag: "):
		// unknown shorthand flag: 'x' in -sx
		if _, arg, ok := strings.Cut(msg, " in "); ok {
			return hint("Unknown option '%s'", arg)
		}
	case strings.HasPrefix(msg, "unknown flag: "):
		return hint("Unknown option '%s'", strings.TrimPrefix(msg, "unknown flag: "))
	case strings.HasPrefix(msg, "flag needs an argument: "):
		// flag needs an argument: 'D' in -D / flag needs an argument: --pid
		rest := strings.TrimPrefix(msg, "flag needs an argument: ")
		if _, arg, ok := strings.Cut(rest, " in "); ok {
			rest = arg
		}
		return hint("Option '%s' requires an argument", rest)
	case strings.HasPrefix(msg, "bad flag syntax: "):
		return hint("Unknown option '%s'", strings.TrimPrefix(msg, "bad flag syntax: "))
	}
	return hint("%s", msg)
}

// Execute runs cmd on args after rewriting them with normalize (nil =
// none) and returns the process exit status. Cobra's hidden completion
// requests (__complete ...) are passed through unchanged.
func Execute(cmd *cobra.Command, ios *iostreams.IO, args []string, normalize func([]string) []string) int {
	if normalize != nil && !(len(args) > 0 && strings.HasPrefix(args[0], "__complete")) {
		args = normalize(args)
	}
	cmd.SetArgs(args)
	return ExitCode(cmd.Name(), cmd.Execute(), ios.ErrOut)
}
