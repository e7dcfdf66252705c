package engine

import (
	"encoding/binary"

	"github.com/t2go/t2go/pkg/plugin"
	"github.com/t2go/t2go/pkg/record"
)

// flowOut moves the formatting of flow records off the packet goroutine.
// The plugins still fill a record on the packet goroutine (they read their
// per-flow state there), but in deferred form (record.Writer.Deferred:
// raw values, no text). Finished records are collected in chunks; a full
// chunk goes to the render goroutine, which turns each record into text
// and hands it to the sinks, in order (record sinks get the deferred
// record itself). close waits until every record
// collected before was written, so the end-of-run path (Finish of the
// sinks after close) sees the complete output.
type flowOut struct {
	sinks   []plugin.Sink
	recs    []plugin.RecordSink
	cur     []byte // records: uvarint length + deferred ops each
	full    chan []byte
	free    chan []byte
	done    chan struct{}
	started bool
	closed  bool
	err     error // first sink error (render goroutine; read after done)
}

const (
	outChunk  = 64 << 10
	outChunks = 8
)

func newFlowOut(sinks []plugin.Sink, recs []plugin.RecordSink) *flowOut {
	return &flowOut{sinks: sinks, recs: recs, cur: make([]byte, 0, outChunk+4096)}
}

// push adds one deferred record (packet goroutine).
func (o *flowOut) push(rec []byte) {
	o.cur = binary.AppendUvarint(o.cur, uint64(len(rec)))
	o.cur = append(o.cur, rec...)
	if len(o.cur) >= outChunk {
		o.send()
	}
}

func (o *flowOut) send() {
	if !o.started {
		o.start()
	}
	o.full <- o.cur
	o.cur = <-o.free
}

// start launches the render goroutine on the first full chunk (a run
// that ends before has it started by close).
func (o *flowOut) start() {
	o.started = true
	o.full = make(chan []byte, outChunks)
	o.free = make(chan []byte, outChunks)
	o.done = make(chan struct{})
	for i := 0; i < outChunks-1; i++ {
		o.free <- make([]byte, 0, outChunk+4096)
	}
	go o.render()
}

// flowTextSink is a Sink that also takes the lines of many records at
// once (txtSink): one call, and one copy, per chunk instead of per record.
type flowTextSink interface {
	// WriteFlows writes the lines in text, each followed by '\n';
	// ends[i] is the offset after the '\n' of line i. It must do exactly
	// what WriteFlow of each line in order would do.
	WriteFlows(text []byte, ends []int) error
}

func (o *flowOut) render() {
	defer close(o.done)
	var (
		text []byte // the lines of one chunk, '\n' after each
		ends []int  // end of each line in text (after its '\n')
	)
	for chunk := range o.full {
		text, ends = text[:0], ends[:0]
		for i := 0; i < len(chunk); {
			n, k := binary.Uvarint(chunk[i:])
			i += k
			rec := chunk[i : i+int(n)]
			i += int(n)
			for _, s := range o.recs {
				if err := s.WriteRecord(rec); err != nil && o.err == nil {
					o.err = err
				}
			}
			if len(o.sinks) > 0 {
				text = append(record.Render(text, rec), '\n')
				ends = append(ends, len(text))
			}
		}
		for _, s := range o.sinks {
			if err := writeLines(s, text, ends); err != nil && o.err == nil {
				o.err = err
			}
		}
		o.free <- chunk[:0]
	}
}

// writeLines hands the lines of text to s: all at once when s takes
// that, else one WriteFlow per line (without its '\n'). It returns the
// first error.
func writeLines(s plugin.Sink, text []byte, ends []int) error {
	if ts, ok := s.(flowTextSink); ok {
		return ts.WriteFlows(text, ends)
	}
	var first error
	start := 0
	for _, end := range ends {
		if err := s.WriteFlow(text[start : end-1]); err != nil && first == nil {
			first = err
		}
		start = end
	}
	return first
}

// close writes the records still collected and waits for the render
// goroutine; it returns the first sink error. Later calls do nothing.
func (o *flowOut) close() error {
	if o.closed {
		return nil
	}
	o.closed = true
	if len(o.cur) > 0 {
		o.send()
	}
	if !o.started {
		return nil
	}
	close(o.full)
	<-o.done
	return o.err
}
