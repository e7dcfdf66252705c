// Package jsonsink is the jsonSink plugin (T2 number 903): it writes the
// flow records as JSON, one object per line (JSON Lines), to
// PREFIX_flows.json, stdout (-w -) or a TCP server, optionally gzipped
// and split into numbered files by -W.
//
// It takes the records in their deferred binary form (plugin.RecordSink),
// so floats keep all their digits (the text flow file has 7).
package jsonsink

import (
	"bufio"
	"compress/gzip"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/t2go/t2go/pkg/plugin"
	"github.com/t2go/t2go/pkg/record"
)

//go:embed jsonSink.toml
var embedded []byte

// Registered once; name and number come from the header of jsonSink.toml.
var _ = plugin.Register(plugin.Descriptor{Defaults: embedded, Version: "0.9.3",
	New: func() plugin.Plugin { return &JSONSink{} }})

var (
	_ plugin.Initer     = (*JSONSink)(nil)
	_ plugin.RecordSink = (*JSONSink)(nil)
	_ plugin.Finisher   = (*JSONSink)(nil)
)

// defaultSplitSize is T2's -W size when none is given (bytes).
const defaultSplitSize = 500000000

type settings struct {
	socket, gz, split, rootNode, suppressEmpty, noSpaces, sel bool
	bufSize                                                   int
	addr                                                      string
	port                                                      int
	suffix, selectFile                                        string
}

// JSONSink is one run's instance of the plugin.
type JSONSink struct {
	cfg    settings
	start  plugin.SinkStart // what StartSink was given
	layout *record.JSONLayout

	mu       sync.Mutex // Finish may come from a signal path
	name     string     // current output ("stdout", a file name or host:port)
	closer   io.Closer  // file or connection, nil for stdout
	gz       *gzip.Writer
	bw       *bufio.Writer
	line     []byte // the record being rendered
	records  uint64 // records in the current output (JSON_ROOT_NODE commas)
	index    uint64 // current -W piece
	written  uint64 // bytes (or flows) in the current piece
	limit    uint64
	countFl  bool
	err      error // first write error, sticky
	finished bool
}

// Init reads the configuration.
func (j *JSONSink) Init(env *plugin.Env) error {
	c := env.Settings
	j.cfg = settings{
		socket: c.Bool("JSON_SOCKET_ON"), gz: c.Bool("JSON_GZ_COMPRESS"), split: c.Bool("JSON_SPLIT"),
		rootNode: c.Bool("JSON_ROOT_NODE"), suppressEmpty: c.Bool("JSON_SUPPRESS_EMPTY_ARRAY"),
		noSpaces: c.Bool("JSON_NO_SPACES"), sel: c.Bool("JSON_SELECT"),
		bufSize: int(c.Int("JSON_BUFFER_SIZE")),
		addr:    c.String("JSON_SOCKET_ADDR"), port: int(c.Int("JSON_SOCKET_PORT")),
		suffix: c.String("JSON_SUFFIX"), selectFile: c.String("JSON_SELECT_FILE"),
	}
	return nil
}

// StartSink prepares the layout and opens the output.
func (j *JSONSink) StartSink(start plugin.SinkStart) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.start = start
	columns := start.Columns
	opt := record.JSONOptions{SuppressEmpty: j.cfg.suppressEmpty, Spaces: !j.cfg.noSpaces}
	if j.cfg.sel {
		keep, err := readSelection(j.cfg.selectFile, columns)
		if err != nil {
			return err
		}
		opt.Keep = keep
	}
	j.layout = record.NewJSONLayout(columns, opt)
	j.line = make([]byte, 0, j.cfg.bufSize)
	if j.splitting() {
		j.index = start.Split.Start
		j.limit = start.Split.Size
		if j.limit == 0 {
			j.limit = defaultSplitSize
		}
		j.countFl = start.Split.CountFlows
	}
	return j.open()
}

// readSelection reads JSON_SELECT_FILE: one column name a line, '#'
// comments. Unknown names are an error (a typo would silently drop a
// column).
func readSelection(path string, columns []record.Column) ([]bool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("jsonSink: JSON_SELECT_FILE: %w", err)
	}
	idx := map[string]int{}
	for i, c := range columns {
		idx[c.Name] = i
	}
	keep := make([]bool, len(columns))
	for n, l := range strings.Split(string(data), "\n") {
		if k := strings.IndexByte(l, '#'); k >= 0 {
			l = l[:k]
		}
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		i, ok := idx[l]
		if !ok {
			return nil, fmt.Errorf("jsonSink: %s line %d: no column %q in this run", path, n+1, l)
		}
		keep[i] = true
	}
	return keep, nil
}

func (j *JSONSink) splitting() bool {
	return j.cfg.split && j.start.Split.Enabled && j.start.Stdout == nil && !j.cfg.socket
}

// open starts the current output.
func (j *JSONSink) open() error {
	var w io.Writer
	switch {
	case j.cfg.socket:
		j.name = net.JoinHostPort(j.cfg.addr, strconv.Itoa(j.cfg.port))
		conn, err := net.Dial("tcp", j.name)
		if err != nil {
			return fmt.Errorf("jsonSink: cannot connect to %s: %w", j.name, err)
		}
		j.closer, w = conn, conn
	case j.start.Stdout != nil:
		j.name, w = "stdout", j.start.Stdout
	default:
		j.name = j.start.Prefix + j.cfg.suffix
		if j.splitting() {
			j.name += strconv.FormatUint(j.index, 10)
		}
		if j.cfg.gz {
			j.name += ".gz"
		}
		f, err := os.Create(j.name)
		if err != nil {
			return fmt.Errorf("jsonSink: cannot create the flow file: %w", err)
		}
		j.closer, w = f, f
	}
	if j.cfg.gz {
		j.gz = gzip.NewWriter(w)
		w = j.gz
	}
	j.bw = bufio.NewWriterSize(w, 1<<20)
	j.records, j.written = 0, 0
	if j.cfg.rootNode {
		return j.write([]byte{'['})
	}
	return nil
}

func (j *JSONSink) write(b []byte) error {
	if _, err := j.bw.Write(b); err != nil {
		return j.fail(err)
	}
	return nil
}

// fail records the first write error with the output's name.
func (j *JSONSink) fail(err error) error {
	if j.err == nil {
		j.err = fmt.Errorf("jsonSink: writing %s: %w", j.name, err)
	}
	return j.err
}

// WriteRecord renders one record as a JSON line.
func (j *JSONSink) WriteRecord(ops []byte) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.err != nil {
		return j.err
	}
	if j.finished || j.bw == nil {
		return errors.New("jsonSink: flow written outside of the run")
	}
	b := j.line[:0]
	if j.cfg.rootNode && j.records > 0 {
		b = append(b, ',')
	}
	b = j.layout.Append(b, ops)
	b = append(b, '\n')
	j.line = b
	j.records++
	if err := j.write(b); err != nil {
		return err
	}
	if j.limit == 0 {
		return nil
	}
	if j.countFl {
		j.written++
	} else {
		j.written += uint64(len(b))
	}
	if j.written >= j.limit {
		if err := j.close(); err != nil {
			return err
		}
		j.index++
		return j.open()
	}
	return nil
}

// close ends the current output: closing bracket, gzip trailer, flush.
func (j *JSONSink) close() error {
	if j.bw == nil {
		return j.err
	}
	if j.cfg.rootNode {
		j.write([]byte("]\n"))
	}
	if err := j.bw.Flush(); err != nil {
		j.fail(err)
	}
	if j.gz != nil {
		if err := j.gz.Close(); err != nil {
			j.fail(err)
		}
		j.gz = nil
	}
	if j.closer != nil {
		if err := j.closer.Close(); err != nil {
			j.fail(err)
		}
		j.closer = nil
	}
	j.bw = nil
	return j.err
}

// Finish flushes and closes the output. Later calls return the same
// result.
func (j *JSONSink) Finish() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.finished {
		return j.err
	}
	j.finished = true
	return j.close()
}
