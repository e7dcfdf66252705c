// Package txtsink is the txtSink plugin (T2 number 901): it writes the
// flow records as tab-separated text to PREFIX_flows.txt (or stdout with
// -w -), optionally split into numbered pieces by -W, and describes the
// columns in PREFIX_headers.txt.
package txtsink

import (
	"bufio"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/t2go/t2go/pkg/outfile"
	"github.com/t2go/t2go/pkg/plugin"
	"github.com/t2go/t2go/pkg/record"
)

//go:embed txtSink.toml
var embedded []byte

// registration is this plugin as registered: its name and number come
// from the header of txtSink.toml, the only place they are written.
var registration = plugin.Register(plugin.Descriptor{Defaults: embedded, Version: "0.9.3",
	New: func() plugin.Plugin { return &TxtSink{} }})

// The hooks this plugin implements, checked by the compiler: a mistyped
// method would otherwise silently drop its hook.
var (
	_ plugin.Initer   = (*TxtSink)(nil)
	_ plugin.Sink     = (*TxtSink)(nil)
	_ plugin.Finisher = (*TxtSink)(nil)
)

// bufSize is the flow-file buffer: large enough that writing one record
// is a memory copy and the kernel sees a few big writes.
const bufSize = 1 << 20

// defaultSplitSize is T2's -W size when none is given (bytes).
const defaultSplitSize = 500000000

// TxtSink is one run's instance of the plugin.
type TxtSink struct {
	// configuration
	priHdr     bool
	hdrFile    bool
	split      bool
	priHdrFW   bool
	flowSuffix string
	hdrSuffix  string

	start plugin.SinkStart // what StartSink was given

	mu       sync.Mutex    // Finish may come from a signal path
	out      *bufio.Writer // stdout (-w -)
	af       *asyncFile    // the flow file, written by its own goroutine
	file     *os.File      // nil when writing to stdout
	name     string        // current flow file name (or "stdout")
	hdrLine  []byte        // "%dir\tflowInd\t...\n"
	index    uint64        // current -W piece
	written  uint64        // bytes (or flows) in the current piece
	limit    uint64
	countFl  bool
	err      error // first write error, sticky
	finished bool
	lent     bool // the flow file's chunk is lent (LendFlows)
}

// Init reads the configuration.
func (t *TxtSink) Init(env *plugin.Env) error {
	c := env.Settings
	t.priHdr = c.Bool("TFS_PRI_HDR")
	t.hdrFile = c.Bool("TFS_HDR_FILE")
	t.split = c.Bool("TFS_SPLIT")
	t.priHdrFW = c.Bool("TFS_PRI_HDR_FW")
	t.flowSuffix = c.String("TFS_FLOWS_TXT_SUFFIX")
	t.hdrSuffix = c.String("TFS_HEADER_SUFFIX")
	return nil
}

// splitting reports whether -W rotation applies.
func (t *TxtSink) splitting() bool {
	return t.split && t.start.Split.Enabled && t.start.Stdout == nil
}

// fileName returns the name of the flow file (piece index with -W).
func (t *TxtSink) fileName() string {
	n := t.start.Prefix + t.flowSuffix
	if t.splitting() {
		n += strconv.FormatUint(t.index, 10)
	}
	return n
}

// StartSink writes the header file and opens the flow file with its
// column-name line.
func (t *TxtSink) StartSink(start plugin.SinkStart) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.start = start
	columns := start.Columns
	if t.hdrFile {
		if err := t.writeHeaderFile(columns); err != nil {
			return err
		}
	}
	var b strings.Builder
	b.WriteByte('%')
	for i, c := range columns {
		if i > 0 {
			b.WriteByte('\t')
		}
		b.WriteString(c.Name)
	}
	b.WriteByte('\n')
	t.hdrLine = []byte(b.String())

	if t.start.Stdout != nil {
		t.name = "stdout"
		t.out = bufio.NewWriterSize(t.start.Stdout, bufSize)
		if t.priHdr {
			return t.write(t.hdrLine)
		}
		return nil
	}
	if t.splitting() {
		t.index = t.start.Split.Start
		t.limit = t.start.Split.Size
		if t.limit == 0 {
			t.limit = defaultSplitSize
		}
		t.countFl = t.start.Split.CountFlows
	}
	return t.open(t.priHdr)
}

// open creates the current flow file, writing the column-name line when
// hdr is set.
func (t *TxtSink) open(hdr bool) error {
	t.name = t.fileName()
	f, err := outfile.CreateKeep(t.name)
	if err != nil {
		return fmt.Errorf("txtSink: cannot create the flow file: %w", err)
	}
	t.file = f
	t.written = 0
	t.af = newAsyncFile(f, true)
	if hdr {
		if err := t.write(t.hdrLine); err != nil {
			return err
		}
		if !t.countFl {
			t.written += uint64(len(t.hdrLine))
		}
	}
	return nil
}

func (t *TxtSink) write(b []byte) error {
	if t.af != nil {
		if err := t.af.write(b); err != nil {
			return t.fail(err)
		}
		return nil
	}
	if _, err := t.out.Write(b); err != nil {
		return t.fail(err)
	}
	return nil
}

// fail records the first write error with the file name.
func (t *TxtSink) fail(err error) error {
	if t.err == nil {
		t.err = fmt.Errorf("txtSink: writing %s: %w", t.name, err)
	}
	return t.err
}

// WriteFlow appends one record and a newline, rotating the file when -W
// says so.
func (t *TxtSink) WriteFlow(line []byte) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.writable(); err != nil {
		return err
	}
	return t.writeFlow(line)
}

// WriteFlows writes many records at once: text holds the lines, each
// followed by '\n', ends[i] is the offset after line i (the engine's
// render goroutine hands over a chunk of records this way). It does what
// WriteFlow of each line would do.
func (t *TxtSink) WriteFlows(text []byte, ends []int) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.writable(); err != nil {
		return err
	}
	if t.limit == 0 {
		return t.write(text) // no -W: the lines as they are
	}
	start := 0
	for _, end := range ends {
		if err := t.writeFlow(text[start : end-1]); err != nil {
			return err
		}
		start = end
	}
	return nil
}

// LendFlows lends the buffer the flow file is filled in, so that a
// producer builds its lines there and no copy is needed (the engine's
// retire goroutine does): the producer appends whole lines, each with
// its '\n', after len(buf), and gives the buffer back with ReturnFlows
// once its length is full or more, or when it has no more lines. Until
// then it makes no other call to the sink. ok is false when the lines
// must go through WriteFlows instead: -W (the lines are counted),
// stdout, an error, or outside of the run.
func (t *TxtSink) LendFlows() (buf []byte, full int, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.lent || t.writable() != nil || t.af == nil || t.limit != 0 {
		return nil, 0, false
	}
	t.lent = true
	return t.af.lend(), lendFull, true
}

// ReturnFlows takes back the buffer of LendFlows with the lines
// appended to it, as WriteFlows of those lines would.
func (t *TxtSink) ReturnFlows(buf []byte) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.lent {
		return errors.New("txtSink: flow buffer returned but not lent")
	}
	t.lent = false
	if err := t.writable(); err != nil {
		return err
	}
	if err := t.af.giveBack(buf); err != nil {
		return t.fail(err)
	}
	return nil
}

// writable returns the error that stops writing flows (t.mu held).
func (t *TxtSink) writable() error {
	if t.lent {
		return errors.New("txtSink: flow written while its buffer is lent")
	}
	if t.err != nil {
		return t.err
	}
	if t.finished || (t.out == nil && t.af == nil) {
		return errors.New("txtSink: flow written outside of the run")
	}
	return nil
}

// writeFlow is WriteFlow with t.mu held and writable checked.
func (t *TxtSink) writeFlow(line []byte) error {
	if t.af != nil {
		if err := t.af.writeLine(line); err != nil {
			return t.fail(err)
		}
	} else {
		if _, err := t.out.Write(line); err != nil {
			return t.fail(err)
		}
		if err := t.out.WriteByte('\n'); err != nil {
			return t.fail(err)
		}
	}
	if t.limit == 0 {
		return nil
	}
	if t.countFl {
		t.written++
	} else {
		t.written += uint64(len(line)) + 1
	}
	if t.written >= t.limit {
		return t.rotate()
	}
	return nil
}

// rotate closes the current piece and opens the next one.
func (t *TxtSink) rotate() error {
	if err := t.closeFile(); err != nil {
		return err
	}
	t.index++
	return t.open(t.priHdrFW && t.priHdr)
}

// closeFile flushes and closes the current flow file (only flushes stdout).
func (t *TxtSink) closeFile() error {
	if t.af != nil {
		if err := t.af.close(); err != nil {
			t.fail(err)
		}
		t.af = nil
	} else if t.out != nil {
		if err := t.out.Flush(); err != nil {
			t.fail(err)
		}
	}
	if t.file != nil {
		if err := t.file.Close(); err != nil {
			t.fail(err)
		}
		t.file = nil
	}
	return t.err
}

// Finish flushes and closes the flow file. It may be called more than
// once (normal end and a signal path); later calls return the same result.
func (t *TxtSink) Finish() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.finished {
		return t.err
	}
	t.finished = true
	return t.closeFile()
}

// writeHeaderFile writes PREFIX_headers.txt: the run preamble, the plugin
// list and one row per column.
func (t *TxtSink) writeHeaderFile(columns []record.Column) error {
	name := t.start.Prefix + t.hdrSuffix
	f, err := outfile.Create(name)
	if err != nil {
		return fmt.Errorf("txtSink: cannot create the header file: %w", err)
	}
	w := bufio.NewWriter(f)
	writeHeaders(w, t.start.Header, columns)
	err = w.Flush()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("txtSink: writing %s: %w", name, err)
	}
	return nil
}

// writeHeaders renders the header file; write errors surface at Flush.
func writeHeaders(w io.StringWriter, info plugin.HeaderInfo, columns []record.Column) {
	for _, l := range info.Lines {
		w.WriteString(l + "\n")
	}
	if n := len(info.Lines); n > 0 && info.Lines[n-1] != "#" {
		w.WriteString("#\n")
	}
	w.WriteString("# Plugins loaded:\n")
	for _, p := range info.Plugins {
		if !strings.HasPrefix(p, "#") {
			p = "#   " + p
		}
		w.WriteString(p + "\n")
	}
	w.WriteString("#\n# Col No.\tType\tName\tDescription\n")
	for i, c := range columns {
		w.WriteString(strconv.Itoa(i+1) + "\t" + c.Type + "\t" + c.Name + "\t" + c.Desc + "\n")
	}
}
