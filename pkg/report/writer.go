package report

import (
	"fmt"
	"io"

	"github.com/t2go/t2go/pkg/counters"
)

// ANSI sequences T2 uses; only written when Color is set (a terminal).
const (
	colBlue   = "\x1b[0;34m"
	colBBlue  = "\x1b[1;34m"
	colYellow = "\x1b[0;33m"
	colBYel   = "\x1b[1;33m"
	colRed    = "\x1b[1;31m"
	colBold   = "\x1b[1m"
	colReset  = "\x1b[0m"
)

// Writer writes report lines to one stream. Errors are sticky: the first
// write error is kept and later writes are skipped.
type Writer struct {
	W     io.Writer
	Color bool
	// C holds the counters of the reported interval (absolute, or the
	// difference since the previous report in diff mode); plugins use it
	// for percentages.
	C   *counters.Counters
	Err error
	// Collect, when set, receives each Plugin line instead of the stream
	// (the lines of several capture workers are combined first).
	Collect func(Line)
}

// Line writes one plain line.
func (r *Writer) Line(s string) {
	if r.Err != nil {
		return
	}
	_, r.Err = io.WriteString(r.W, s+"\n")
}

// Linef writes one formatted plain line.
func (r *Writer) Linef(format string, args ...any) { r.Line(fmt.Sprintf(format, args...)) }

// Plugin writes "name: text" with the name in bold on a terminal.
func (r *Writer) Plugin(name, format string, args ...any) {
	if r.Collect != nil {
		r.Collect(Line{Name: name, Format: format, Args: args})
		return
	}
	text := fmt.Sprintf(format, args...)
	if r.Color {
		r.Line(colBold + name + ":" + colReset + " " + text)
		return
	}
	r.Line(name + ": " + text)
}

// Info writes an [INF] line.
func (r *Writer) Info(format string, args ...any) {
	r.tagged("[INF]", colBBlue, colBlue, fmt.Sprintf(format, args...))
}

// Warn writes a [WRN] line.
func (r *Writer) Warn(format string, args ...any) {
	r.tagged("[WRN]", colBYel, colYellow, fmt.Sprintf(format, args...))
}

// Error writes an [ERR] line.
func (r *Writer) Error(format string, args ...any) {
	r.tagged("[ERR]", colRed, colRed, fmt.Sprintf(format, args...))
}

func (r *Writer) tagged(tag, tc, bc, text string) {
	if r.Color {
		r.Line(tc + tag + colReset + " " + bc + text + colReset)
		return
	}
	r.Line(tag + " " + text)
}
