// Package tcol implements tcol, the column aligner T2 users pipe
// TAB-separated output into (T2's alias for column -t -s $'\t' | less -S):
// t2 -r x.pcap -l -s | tcol, or tcol x_packets.txt.
package tcol

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/t2go/t2go/pkg/cliutil"
	"github.com/t2go/t2go/pkg/iostreams"
)

const usage = `Usage:
    tcol [OPTION...] [FILE...]

    Aligns the TAB-separated columns of FILE (or of the standard input) for
    reading: t2 -r file.pcap -l -s | tcol, tcol out/file_flows.txt.
    Empty fields keep their column. On a terminal the result is shown with
    'less -S' (the first line stays on top with less 600 or newer).

Optional arguments:
    -P, --no-pager   write to the standard output even on a terminal

Help and documentation arguments:
    -h, --help       show this help and exit
    --version        show the version and commit of t2go and exit
`

// Gap is the number of spaces between two columns (as column -t).
const Gap = 2

// Options are the settings of one tcol run.
type Options struct {
	IO      *iostreams.IO
	Files   []string
	NoPager bool
	// Pager runs the pager on the aligned text; nil = less -S when Out
	// is a terminal and less exists.
	Pager func(text []byte) error
}

// NewCmd returns the tcol command; runF replaces Run in tests.
func NewCmd(ios *iostreams.IO, runF func(*Options) error) *cobra.Command {
	o := &Options{IO: ios}
	cmd := &cobra.Command{
		Use:   "tcol [OPTION...] [FILE...]",
		Short: "align TAB-separated columns (t2's flow, packet and report output)",
		Long: `tcol aligns the TAB-separated columns of t2's output files and
machine reports for reading, like T2's tcol alias (column -t -s TAB,
shown with less -S on a terminal). Empty fields keep their column.`,
		Example: "  t2 -r ~/data/faf-exercise.pcap -w ~/results/ -l -s | tcol\n  tcol ~/results/faf-exercise_packets.txt",
		RunE: func(_ *cobra.Command, args []string) error {
			o.Files = args
			if runF != nil {
				return runF(o)
			}
			return Run(o)
		},
	}
	cmd.Flags().BoolVarP(&o.NoPager, "no-pager", "P", false, "write to the standard output even on a terminal")
	cliutil.Setup(cmd, ios, usage)
	return cmd
}

// Run reads every file (or stdin), aligns the rows and writes them.
func Run(o *Options) error {
	var rows [][]string
	read := func(r io.Reader) error {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64*1024), 64*1024*1024)
		for sc.Scan() {
			rows = append(rows, strings.Split(strings.TrimRight(sc.Text(), "\r"), "\t"))
		}
		return sc.Err()
	}
	if len(o.Files) == 0 {
		if err := read(o.IO.In); err != nil {
			return fmt.Errorf("reading standard input: %w", err)
		}
	}
	for _, name := range o.Files {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		err = read(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("reading %s: %w", name, err)
		}
	}
	var buf bytes.Buffer
	Align(&buf, rows)
	pager := o.Pager
	if pager == nil && o.IO.IsTTY && !o.NoPager {
		if _, err := exec.LookPath("less"); err == nil {
			pager = func(text []byte) error { return less(o.IO, text) }
		}
	}
	if pager != nil {
		return pager(buf.Bytes())
	}
	_, err := o.IO.Out.Write(buf.Bytes())
	return err
}

// Align writes rows with every column padded to its widest cell plus Gap
// spaces; the last cell of a row is not padded, so lines have no trailing
// blanks. Width counts characters, not bytes.
func Align(w io.Writer, rows [][]string) {
	var widths []int
	for _, r := range rows {
		for i, c := range r {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	bw := bufio.NewWriter(w)
	for _, r := range rows {
		last := len(r) - 1
		for last >= 0 && r[last] == "" {
			last-- // trailing empty fields (a trailing TAB) add no blanks
		}
		for i := 0; i <= last; i++ {
			bw.WriteString(r[i])
			if i < last {
				bw.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(r[i])+Gap))
			}
		}
		bw.WriteByte('\n')
	}
	bw.Flush()
}

var lessVersion = regexp.MustCompile(`^less (\d+)`)

// less shows text in less -S, keeping the header line on top where less
// can (version 600 and newer). Ctrl-C belongs to less while it runs;
// TERM is passed on to it.
func less(ios *iostreams.IO, text []byte) error {
	args := []string{"-S"}
	if out, err := exec.Command("less", "--version").Output(); err == nil {
		if m := lessVersion.FindSubmatch(out); m != nil {
			if v, _ := strconv.Atoi(string(m[1])); v >= 600 {
				args = append(args, "--header=1")
			}
		}
	}
	cmd := exec.Command("less", args...)
	cmd.Stdin = bytes.NewReader(text)
	cmd.Stdout, cmd.Stderr = ios.Out, ios.ErrOut
	signal.Ignore(syscall.SIGINT)
	defer signal.Reset(syscall.SIGINT)
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM)
	defer signal.Stop(term)
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-term:
		cmd.Process.Signal(syscall.SIGTERM)
		<-done
		return cliutil.Exit(143)
	}
}
