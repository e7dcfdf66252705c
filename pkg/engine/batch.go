package engine

import (
	"errors"
	"io"
	"runtime/debug"
	"sync"
	"time"
	"unsafe"

	"github.com/t2go/t2go/pkg/capture"
	"github.com/t2go/t2go/pkg/flow"
	"github.com/t2go/t2go/pkg/ipproto"
	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/prefetch"
)

const (
	batchPackets = 256
	// bigBatch: packets per batch when reading a regular file. Fewer
	// hand-offs between the reader and packet goroutines: 2048 ran
	// faster than 256 on the 1 GB bench. Pipes, stdin and interfaces
	// keep batchPackets, so a slow writer's packets are not held back
	// waiting for a full batch.
	bigBatch = 2048
	// BatchBytes is the most packet bytes one batch holds (the source's
	// capture.Options.MaxBytes).
	BatchBytes = 1 << 20
	numBatches = 4
	// idleRefresh: on a live link without packets for this long, the
	// engine's clock follows the wall clock (T2's ZPKTTMO idea), so flow
	// timeouts and report times advance on idle links.
	idleRefresh = 1500 * time.Millisecond
	// stopWait: how long Stop waits for a reader blocked on a pipe or a
	// FIFO before abandoning it (the process is about to exit).
	stopWait = 200 * time.Millisecond
)

// Batch is a capture batch with its packets already dissected. The reader
// goroutine decodes them (the dissector is a pure function of the packet
// bytes), so dissection runs on the second core, overlapped with the
// packet goroutine's flow work.
type batch struct {
	cb   *capture.Batch
	pkts []packet.Packet // pkts[i] is cb.Pkts[i] dissected
	keys []ipKey         // keys[i]: flow key of pkts[i] if it is IP
}

// Batch is one batch handed from the reader goroutine to Process.
type Batch struct {
	b   *batch
	err error // the read's error (io.EOF at the end)
}

type batchMsg = Batch

// ipKey is the flow key of an IP packet and its hash, computed by the
// reader goroutine.
type ipKey struct {
	k     flow.Key
	hash  uint64
	rhash uint64 // hash of the reverse key (looked up when the flow is new)
	ok    bool   // the packet has an IP layer (IPVer 4 or 6)
}

// fileQueue holds the file switches the source announced from the reader
// goroutine until the packet stream reaches them.
type fileQueue struct {
	mu      sync.Mutex
	started bool
	pending []capture.Info
}

// OnFile is the source's capture.Options.OnFile. Calls before Start (the
// first file, from Open*) are reported at once; later ones come from the
// reader goroutine while earlier packets may still be handled, so they
// are queued and reported when the stream reaches that file (Pkt.File).
func (e *Engine) OnFile(ci capture.Info) {
	e.files.mu.Lock()
	if e.files.started {
		e.files.pending = append(e.files.pending, ci)
		e.files.mu.Unlock()
		return
	}
	e.files.mu.Unlock()
	e.hooks.FileOpened(ci)
}

func (e *Engine) flushFileNotices() {
	e.files.mu.Lock()
	pending := e.files.pending
	e.files.pending = nil
	e.files.mu.Unlock()
	for _, ci := range pending {
		e.hooks.FileOpened(ci)
	}
}

// SetSource sets the capture source. Its Options.MaxBytes should be
// BatchBytes and its OnFile e.OnFile.
func (e *Engine) SetSource(src capture.Source) { e.src = src }

// decodeBatchSafe is decodeBatch that turns a memory fault (a mapped
// capture file truncated meanwhile) into an error; the batch is then
// emptied, as its bytes are gone.
func (e *Engine) decodeBatchSafe(b *batch) (err error) {
	defer func() {
		if r := recover(); r != nil {
			ferr := capture.MemoryFault(r)
			if ferr == nil {
				panic(r)
			}
			b.cb.Pkts = b.cb.Pkts[:0]
			b.pkts, b.keys = b.pkts[:0], b.keys[:0]
			err = &capture.FileError{File: e.src.Info().File, Reason: capture.ErrRead, Err: ferr}
		}
	}()
	e.decodeBatch(b)
	return nil
}

// decodeBatch fills b.pkts from b.cb and runs the plugins' Prepare hooks
// on each packet (reader goroutine).
func (e *Engine) decodeBatch(b *batch) {
	cb := b.cb
	if n := len(cb.Pkts); n > cap(b.pkts) {
		b.pkts = make([]packet.Packet, n, max(n, bigBatch))
		b.keys = make([]ipKey, n, max(n, bigBatch))
	}
	b.pkts = b.pkts[:len(cb.Pkts)]
	b.keys = b.keys[:len(cb.Pkts)]
	for i := range cb.Pkts {
		m := &cb.Pkts[i]
		p := &b.pkts[i]
		p.Reset()
		p.Raw = cb.Data(i)
		p.TS = m.TS
		p.CapLen = m.CapLen
		p.WireLen = m.WireLen
		p.LinkType = m.LinkType
		e.dec.Decode(p)
		e.descIDs.Assign(p)
		for _, h := range e.prep {
			h.Prepare(p)
		}
		k := &b.keys[i]
		k.ok = p.IPVer == 4 || p.IPVer == 6
		if k.ok {
			// The key is built and hashed on the stack, then stored:
			// hashing it where it goes reads it back while its line
			// is still being fetched from the packet goroutine's core
			// (the hash's wide loads cannot take the narrow stores'
			// values from the store buffer).
			var key flow.Key
			setIPKey(&key, p)
			k.hash = key.Hash()
			k.rhash = key.ReverseHash()
			k.k = key
		}
	}
}

// setIPKey sets k to the flow key of IP packet p.
func setIPKey(k *flow.Key, p *packet.Packet) {
	*k = flow.Key{}
	k.IPVer = p.IPVer
	k.SrcIP, k.DstIP = p.SrcIP, p.DstIP
	if p.IPVer == 4 {
		k.EthType = ipproto.EtherIPv4
	} else {
		k.EthType = ipproto.EtherIPv6
	}
	if p.NumVLAN > 0 {
		k.VLAN = p.VLAN[0] & 0x0fff
	}
	k.Proto = p.L4Proto
	k.SrcPort, k.DstPort = p.SrcPort, p.DstPort
}

// Start launches the reader goroutine: it reads and dissects batches
// until the source ends or Stop is called.
func (e *Engine) Start() {
	e.full = make(chan batchMsg, numBatches)
	e.free = make(chan *batch, numBatches)
	e.readDone = make(chan struct{})
	e.lastPktWall = time.Now()
	for i := 0; i < numBatches; i++ {
		e.free <- &batch{
			// Room for batchPackets; decodeBatch grows a batch once
			// when bigger batches come (allocating all at once here
			// would delay the first packets by milliseconds).
			cb:   &capture.Batch{Buf: make([]byte, 0, BatchBytes+65536), Pkts: make([]capture.Pkt, 0, batchPackets)},
			pkts: make([]packet.Packet, batchPackets),
			keys: make([]ipKey, batchPackets),
		}
	}
	maxBatch := batchPackets
	if e.opt.RegularFile {
		maxBatch = bigBatch
	}
	e.files.mu.Lock()
	e.files.started = true
	e.files.mu.Unlock()
	go e.read(maxBatch)
}

func (e *Engine) read(maxBatch int) {
	defer close(e.readDone)
	debug.SetPanicOnFault(true) // see decodeBatchSafe
	// Batches grow from batchPackets to maxBatch, so the first packets
	// reach the engine as soon as before.
	n := batchPackets
	for {
		var b *batch
		select {
		case b = <-e.free:
		case <-e.stopCh:
			return
		}
		b.cb.Reset()
		err := e.src.Read(b.cb, n)
		n = min(2*n, maxBatch)
		if derr := e.decodeBatchSafe(b); derr != nil {
			err = derr
		}
		select {
		case e.full <- batchMsg{b, err}:
		case <-e.stopCh:
			return
		}
		if err != nil && !e.goesOn(err) {
			return
		}
	}
}

// Ready delivers the batches the reader has dissected, in order.
func (e *Engine) Ready() <-chan Batch { return e.full }

// Stop ends the reader goroutine. A reader of a mapped file or of an
// interface returns within a batch or its read timeout and is waited for
// (the source may be closed next); one blocked on a pipe, stdin or FIFO
// that sends nothing is waited for briefly, then abandoned: the process
// is about to exit. Later calls do nothing.
func (e *Engine) Stop() {
	if e.stopped {
		return
	}
	e.stopped = true
	close(e.stopCh)
	if e.readDone == nil {
		return
	}
	if e.opt.RegularFile || e.opt.Live || e.opt.MultiFile {
		<-e.readDone
		return
	}
	select {
	case <-e.readDone:
	case <-time.After(stopWait):
		e.abandoned = true
	}
}

// ReaderAbandoned reports whether Stop left the reader blocked in a read:
// the source must not be closed under it then (the process exits).
func (e *Engine) ReaderAbandoned() bool { return e.abandoned }

// Process handles every packet of b and gives the batch back to the
// reader. It returns io.EOF at the end of the input, a read error that
// ends the input, or nil to go on (a damaged file of a list or series is
// reported through Hooks.FileError and the input goes on).
func (e *Engine) Process(m Batch) (err error) {
	// Packets of a memory-mapped capture file fault if someone truncates
	// the file meanwhile: that ends the input with an error (flows are
	// still written), it does not crash t2.
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			ferr := capture.MemoryFault(r)
			if ferr == nil {
				panic(r)
			}
			err = &capture.FileError{File: e.src.Info().File, Reason: capture.ErrRead, Err: ferr}
		}
	}()
	e.processBatch(m.b)
	if m.err != nil {
		// Files opened after the last packet (empty or damaged ones)
		// are announced before the error or the end.
		e.flushFileNotices()
	}
	e.free <- m.b
	if m.err == nil {
		return nil
	}
	if errors.Is(m.err, io.EOF) || !e.goesOn(m.err) {
		return m.err
	}
	e.hooks.FileError(m.err)
	return nil
}

// Run reads the whole source through Process, stopping early when stop
// is closed: the packet path alone, for tests, benchmarks and workers
// that have no run control. It returns nil at the end of the input.
func (e *Engine) Run(stop <-chan struct{}) error {
	e.Start()
	defer e.Stop()
	for {
		select {
		case <-stop:
			return nil
		case m := <-e.full:
			if err := e.Process(m); err != nil {
				if errors.Is(err, io.EOF) {
					return nil
				}
				return err
			}
		}
	}
}

// goesOn reports whether the input continues after err: a list or a
// series goes on with its next file when one file is damaged or cannot
// be read (the capture source has closed it).
func (e *Engine) goesOn(err error) bool {
	if !e.opt.MultiFile {
		return false
	}
	var fe *capture.FormatError
	var oe *capture.FileError
	return errors.As(err, &fe) || errors.As(err, &oe)
}

// processBatch handles every packet of bt.
func (e *Engine) processBatch(bt *batch) {
	b := bt.cb
	n := len(b.Pkts)
	pb := &e.pb
	if e.retire != nil {
		e.retire.poll()
	}
	// The batch's arrays were written by the reader goroutine on the
	// other core: a plain read of them misses. Their first packets'
	// lines are requested here, the others prefetchData packets ahead.
	for i := 0; i < prefetchData && i < n; i++ {
		bt.prefetchData(i, pb, true)
		pb.Flush()
	}
	for i := 0; i < prefetchIndex && i < n; i++ {
		if k := &bt.keys[i]; k.ok {
			e.table.Prefetch(k.hash, k.rhash, pb)
		}
	}
	pb.Flush()
	for i := range b.Pkts {
		// Each stage reads what the one before brought in.
		if j := i + prefetchData; j < n {
			bt.prefetchData(j, pb, false)
		}
		if j := i + prefetchIndex; j < n && bt.keys[j].ok {
			e.table.Prefetch(bt.keys[j].hash, bt.keys[j].rhash, pb)
		}
		if j := i + prefetchFlow; j < n && bt.keys[j].ok {
			e.table.PrefetchFlow(bt.keys[j].hash, bt.keys[j].rhash, pb)
		}
		if j := i + prefetchLinks; j < n && bt.keys[j].ok {
			e.table.PrefetchLinks(bt.keys[j].hash, pb)
		}
		if j := i + prefetchFlow; j < n {
			bt.prefetchBytes(j, pb)
		}
		pb.Flush()
		if e.halt.Load() {
			return
		}
		if f := b.Pkts[i].File; f != e.curFile {
			e.curFile = f
			e.flushFileNotices()
		}
		e.handlePacket(&bt.pkts[i], &bt.keys[i])
	}
	if len(b.Pkts) > 0 {
		e.lastPktWall = time.Now()
		e.hooks.BatchDone()
	} else {
		e.idle()
	}
}

// pktHot is the part of a dissected packet that the packet goroutine
// reads: all but the header description text at its end.
const pktHot = unsafe.Offsetof(packet.Packet{}.HdrDesc)

// prefetchData queues the lines of packet i's entries in the batch's
// arrays: the dissected packet, its flow key and its capture record. The
// keys and records are walked in order (AddSeq: each line once); the
// first ones of a batch are queued whole (first).
func (bt *batch) prefetchData(i int, pb *prefetch.Batch, first bool) {
	pb.AddRange(unsafe.Pointer(&bt.pkts[i]), pktHot)
	if first {
		pb.AddRange(unsafe.Pointer(&bt.keys[i]), unsafe.Sizeof(bt.keys[i]))
		pb.AddRange(unsafe.Pointer(&bt.cb.Pkts[i]), unsafe.Sizeof(bt.cb.Pkts[i]))
		return
	}
	pb.AddSeq(unsafe.Pointer(&bt.keys[i]), unsafe.Sizeof(bt.keys[i]))
	pb.AddSeq(unsafe.Pointer(&bt.cb.Pkts[i]), unsafe.Sizeof(bt.cb.Pkts[i]))
}

// prefetchBytes queues the lines of packet i's IP and layer-4 headers
// and of its payload's start, each once (the plugins read them; the
// reader goroutine's core read them last).
func (bt *batch) prefetchBytes(i int, pb *prefetch.Batch) {
	p := &bt.pkts[i]
	raw := p.Raw
	last := uintptr(0)
	if o := int(p.L3Off); o >= 0 && o < len(raw) {
		a := unsafe.Pointer(&raw[o])
		last = uintptr(a) &^ 63
		pb.Add(a)
	}
	if o := int(p.L4Off); o >= 0 && o < len(raw) {
		if a := unsafe.Pointer(&raw[o]); uintptr(a)&^63 != last {
			last = uintptr(a) &^ 63
			pb.Add(a)
		}
	}
	if len(p.Payload) > 0 {
		if a := unsafe.Pointer(&p.Payload[0]); uintptr(a)&^63 != last {
			pb.Add(a)
		}
	}
}

// Prefetch distances in packets: the batch's entries of a packet (see
// prefetchData) are requested prefetchData packets before the packet is
// handled, the index positions of its key and reverse key prefetchIndex
// packets before, the flows they point at and the packet's header and
// payload bytes prefetchFlow packets before, and the flow's LRU
// neighbours prefetchLinks packets before. Each stage reads what the one
// before brought in.
const (
	prefetchData  = 12
	prefetchIndex = 8
	prefetchFlow  = 4
	prefetchLinks = 2
)

// idle handles an empty batch: a -D series waiting for its next file, or
// a quiet live link, whose clock then follows the wall clock so that flows
// time out and periodic report times move on.
func (e *Engine) idle() {
	if !e.opt.Live {
		e.hooks.Idle()
		return
	}
	now := time.Now()
	if now.Sub(e.lastPktWall) < idleRefresh {
		return
	}
	e.lastPktWall = now
	e.AdvanceClock(packet.Time(now.UnixNano()))
	e.hooks.Idle()
}
