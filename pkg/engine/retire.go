package engine

import (
	"sync"
	"unsafe"

	"github.com/t2go/t2go/pkg/flow"
	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/plugin"
	"github.com/t2go/t2go/pkg/prefetch"
	"github.com/t2go/t2go/pkg/record"
)

// retirer builds the records of released flows on its own goroutine, so
// the packet goroutine (the bottleneck of a run) only takes the flows out
// of the table. It is used when every terminating plugin is a
// plugin.ConcurrentTerminator.
//
// The packet goroutine calls the plugins' OnFlowRelease for a released
// pair, detaches it (flow.Table.Detach: no longer found, its slots not
// yet free) and collects the slots in a chunk; a full chunk is queued
// for the retire goroutine, which calls OnFlowTerminate for each slot in
// order and hands the records to the sinks (text mode) or to flowOut,
// then sends the chunk back (the packet goroutine terminates a queued
// chunk itself where it would wait for one: waitBack). The packet
// goroutine frees the slots of returned chunks (reclaim). sync waits
// until every chunk sent came back: after it, the plugins' aggregates
// are complete and may be reported.
type retirer struct {
	e       *Engine
	cur     []int32      // slots collected (packet goroutine)
	back    chan []int32 // chunks terminated, their slots to free
	spare   [][]int32    // empty chunks (packet goroutine)
	pending int          // chunks sent and not yet back (packet goroutine)
	done    chan struct{}
	closed  bool // close was called (packet goroutine)

	// The chunks to terminate, in order. Whoever holds mu terminates
	// the oldest (work): the retire goroutine, and the packet goroutine
	// when it would wait for a chunk to come back. One at a time and
	// in order, so the plugins' terminations never run concurrently
	// with each other and the records come out in release order.
	mu   sync.Mutex    // held while a chunk is terminated; guards the fields below
	qmu  sync.Mutex    // guards q and ending
	q    [][]int32     // chunks queued, oldest first
	wake chan struct{} // one token: q may hold chunks, or ending was set
	// ending: close was called and every chunk came back; the retire
	// goroutine ends once it sees it.
	ending bool

	w  record.Writer  // the terminating goroutine's record (mu)
	pb prefetch.Batch // its prefetches (mu)

	// Text mode (only line sinks, no record sink): the records are
	// written as text at once, with no deferred form and no render
	// goroutine, and handed to the sinks a chunk of lines at a time.
	text    bool
	lines   []byte // lines collected, '\n' after each
	ends    []int  // end of each line in lines
	textErr error  // first sink error (retire goroutine; read after done)

	// With a single sink that lends its buffer (txtSink), the lines are
	// built in that buffer instead (no copy from lines to the sink).
	lender  flowLender // nil: no lending (or the sink refused)
	lent    []byte     // the lent buffer with the lines so far
	lentEnd int        // give lent back at this length
	isLent  bool
}

// flowLender is a line sink that lends the buffer it fills
// (txtsink.TxtSink.LendFlows): the lines appended to it are written as
// WriteFlows of those lines would.
type flowLender interface {
	LendFlows() (buf []byte, full int, ok bool)
	ReturnFlows(buf []byte) error
}

const (
	retireChunk  = 512 // slots per chunk (Options.RetireChunk)
	retireChunks = 8   // chunks in flight at most
	// retireAhead: the flow and the plugins' state of the slot this
	// many records ahead are prefetched (last touched when the flow
	// saw its last packet).
	retireAhead = 4
)

// newRetirer makes the retirer and starts the retire goroutine.
func newRetirer(e *Engine) *retirer {
	r := &retirer{
		e:    e,
		back: make(chan []int32, retireChunks),
		wake: make(chan struct{}, 1),
		done: make(chan struct{}),
		q:    make([][]int32, 0, retireChunks),
	}
	r.w.Disabled = e.rec.Disabled
	r.w.Deferred = e.rec.Deferred
	if o := e.out; o != nil && len(o.recs) == 0 && len(o.sinks) > 0 {
		r.text = true
		r.w.Deferred = false
		r.lines = make([]byte, 0, outChunk+4096)
		if l, ok := o.sinks[0].(flowLender); ok && len(o.sinks) == 1 {
			r.lender = l
		}
	}
	n := retireChunk
	if c := e.opt.RetireChunk; c > 0 {
		n = max(c, 2) // a pair fits
	}
	for i := 0; i < retireChunks; i++ {
		r.spare = append(r.spare, make([]int32, 0, n))
	}
	r.cur = r.take()
	go r.run()
	return r
}

// take returns an empty chunk, waiting for one to come back when all
// are in flight.
func (r *retirer) take() []int32 {
	for len(r.spare) == 0 {
		r.waitBack()
	}
	n := len(r.spare) - 1
	c := r.spare[n]
	r.spare = r.spare[:n]
	return c
}

// waitBack reclaims a chunk that came back (packet goroutine). Rather
// than wait for it, the packet goroutine terminates the oldest chunk
// queued when the retire goroutine is not terminating one (it may be
// waiting for a core).
func (r *retirer) waitBack() {
	for {
		select {
		case c := <-r.back:
			r.reclaim(c)
			return
		default:
		}
		if r.mu.TryLock() {
			did := r.work()
			r.mu.Unlock()
			if did {
				continue
			}
		}
		r.reclaim(<-r.back)
		return
	}
}

// work terminates the oldest chunk queued, if any, and sends it back;
// the caller holds mu. It reports whether there was one.
func (r *retirer) work() bool {
	r.qmu.Lock()
	if len(r.q) == 0 {
		r.qmu.Unlock()
		return false
	}
	c := r.q[0]
	n := copy(r.q, r.q[1:])
	r.q = r.q[:n]
	more := n > 0
	r.qmu.Unlock()
	if more {
		r.poke() // whoever waits on wake takes the next one
	}
	r.chunk(c)
	return true
}

// poke leaves the wake token (or finds it there).
func (r *retirer) poke() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// step is one turn of the retire goroutine, woken by wake: it
// terminates one chunk. It reports false once close ended the
// work (after end).
func (r *retirer) step() bool {
	r.mu.Lock()
	did := r.work()
	r.mu.Unlock()
	if did {
		return true
	}
	r.qmu.Lock()
	ending := r.ending && len(r.q) == 0
	r.qmu.Unlock()
	if ending {
		r.end()
		return false
	}
	return true
}

// reclaim frees the slots of a returned chunk.
func (r *retirer) reclaim(c []int32) {
	r.pending--
	t := r.e.table
	for i := len(c) - 1; i >= 0; i-- {
		t.Free(c[i])
	}
	r.spare = append(r.spare, c[:0])
}

// poll frees the slots of the chunks that came back, without waiting.
func (r *retirer) poll() {
	for r.pending > 0 {
		select {
		case c := <-r.back:
			r.reclaim(c)
		default:
			return
		}
	}
}

// add queues the slots of a detached pair (second may be nil). A pair
// never spans two chunks: the slots of a chunk are freed when it comes
// back, and a record may read its opposite's state.
func (r *retirer) add(first int32, second *flow.Flow) {
	if len(r.cur)+2 > cap(r.cur) {
		r.send()
	}
	r.cur = append(r.cur, first)
	if second != nil {
		r.cur = append(r.cur, second.Slot)
	}
}

func (r *retirer) send() {
	if len(r.cur) == 0 {
		return
	}
	r.pending++
	r.qmu.Lock()
	r.q = append(r.q, r.cur)
	r.qmu.Unlock()
	r.poke()
	r.cur = r.take()
}

// sync sends the slots collected and waits until every record queued
// was built; their slots are free again.
func (r *retirer) sync() {
	r.send()
	for r.pending > 0 {
		r.waitBack()
	}
}

// close syncs, ends the retire goroutine (which writes its last lines)
// and returns the first sink error of text mode. Later calls do nothing.
func (r *retirer) close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	r.sync()
	r.qmu.Lock()
	r.ending = true
	r.qmu.Unlock()
	r.poke()
	<-r.done
	return r.textErr
}

// run is the retire goroutine: it terminates the chunks until close.
func (r *retirer) run() {
	for range r.wake {
		if !r.step() {
			return
		}
	}
}

// chunk builds the records of the slots of c, in order, and sends c
// back.
func (r *retirer) chunk(c []int32) {
	e := r.e
	for i, slot := range c {
		if j := i + retireAhead; j < len(c) {
			// The flow itself (two lines) and the plugins' state in
			// its slot.
			r.pb.AddRange(unsafe.Pointer(e.table.Flow(c[j])), unsafe.Sizeof(flow.Flow{}))
			e.prefetchSlot(c[j], &r.pb)
			r.pb.Flush()
		}
		r.terminate(e.table.Flow(slot))
	}
	r.back <- c
}

// end writes the last lines (text mode) after the last chunk, once
// close was called.
func (r *retirer) end() {
	r.mu.Lock()
	r.writeText()
	r.mu.Unlock()
	close(r.done)
}

// writeText hands the lines collected to the sinks (text mode).
func (r *retirer) writeText() {
	if r.isLent {
		r.giveBack()
	}
	if len(r.ends) == 0 {
		return
	}
	for _, s := range r.e.out.sinks {
		if err := writeLines(s, r.lines, r.ends); err != nil && r.textErr == nil {
			r.textErr = err
		}
	}
	r.lines, r.ends = r.lines[:0], r.ends[:0]
}

// terminate builds the record of f on the retire goroutine.
func (r *retirer) terminate(f *flow.Flow) {
	e := r.e
	w := &r.w
	switch {
	case r.lender != nil && (r.isLent || r.lend()):
		w.ResetAt(r.lent) // the line goes straight to the sink's buffer
	case r.text:
		w.ResetAt(r.lines) // the line goes straight to r.lines
	default:
		w.Reset()
	}
	e.fillRecord(w, f)
	if w.Disabled || e.aborted.Load() {
		return
	}
	if r.isLent {
		r.lent = append(w.Buffer(), '\n')
		if len(r.lent) >= r.lentEnd {
			r.giveBack()
		}
		return
	}
	if r.text {
		r.lines = append(w.Buffer(), '\n')
		r.ends = append(r.ends, len(r.lines))
		if len(r.lines) >= outChunk {
			r.writeText()
		}
		return
	}
	e.out.push(w.Bytes())
}

// lend borrows the sink's buffer; when it refuses (an error, -W), the
// lines go through r.lines and WriteFlows from now on.
func (r *retirer) lend() bool {
	buf, full, ok := r.lender.LendFlows()
	if !ok {
		r.lender = nil
		return false
	}
	r.lent, r.lentEnd, r.isLent = buf, full, true
	return true
}

// giveBack returns the lent buffer with the lines built in it.
func (r *retirer) giveBack() {
	if err := r.lender.ReturnFlows(r.lent); err != nil && r.textErr == nil {
		r.textErr = err
	}
	r.lent, r.isLent = nil, false
}

// canRetire reports whether the records may be built on a retire
// goroutine: every terminating plugin allows it.
func canRetire(terms []plugin.FlowTerminator) bool {
	for _, t := range terms {
		if _, ok := t.(plugin.ConcurrentTerminator); !ok {
			return false
		}
	}
	return true
}

// releaseCounts updates the run counters of a released flow (on the
// packet goroutine, whichever goroutine builds its record).
func (e *Engine) releaseCounts(f *flow.Flow) {
	if f.Status&packet.IPv4FragPending != 0 {
		// Like T2: the run-wide bit comes from flows that end with an
		// unfinished datagram, not from packets.
		e.c.GlobalWarn |= packet.IPv4FragPending
	}
	if f.Opposite == flow.None && f.IsInverted() {
		e.c.CorrReplFlows++
	}
}

// retirePair is the end of releasePair with a retire goroutine (started
// at the first release): the released pair leaves the table now, its
// records are built later, in this order.
func (e *Engine) retirePair(first, second *flow.Flow) {
	if e.retire == nil {
		e.retire = newRetirer(e)
	}
	e.table.Detach(first)
	if second != nil {
		e.table.Detach(second)
	}
	e.retire.add(first.Slot, second)
}

// releaseOne is the release step of f on the packet goroutine: the run
// counters and the plugins' OnFlowRelease.
func (e *Engine) releaseOne(f *flow.Flow) {
	e.releaseCounts(f)
	for _, r := range e.releasers {
		r.OnFlowRelease(f)
	}
}

// Sync finishes the building of every flow record queued so far (a
// no-op without a retire goroutine): call it before reading the
// plugins' aggregates (reports). Packet goroutine only.
func (e *Engine) Sync() {
	if e.retire != nil {
		e.retire.sync()
	}
}

// Retiring reports whether the flow records are built on a retire
// goroutine (Options.Retire and every terminating plugin allows it).
func (e *Engine) Retiring() bool { return e.retiring }
