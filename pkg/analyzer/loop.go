package analyzer

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"time"
	"unsafe"

	"github.com/t2go/t2go/pkg/capture"
	"github.com/t2go/t2go/pkg/flow"
	"github.com/t2go/t2go/pkg/monitor"
	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/prefetch"
	"github.com/t2go/t2go/pkg/report"
)

const (
	batchPackets = 256
	// bigBatch: packets per batch when reading a regular file. Fewer
	// hand-offs between the reader and packet goroutines: 2048 ran
	// faster than 256 on the 1 GB bench. Pipes, stdin and interfaces
	// keep batchPackets, so a slow writer's packets are not held back
	// waiting for a full batch.
	bigBatch   = 2048
	batchBytes = 1 << 20
	numBatches = 4
	// idleRefresh: on a live link without packets for this long, the
	// analyzer time follows the wall clock (T2's ZPKTTMO idea), so flow
	// timeouts and report times advance on idle links.
	idleRefresh = 1500 * time.Millisecond
)

type batchMsg struct {
	b   *batch
	err error
}

// batch is a capture batch with its packets already dissected. The reader
// goroutine decodes them (the dissector is a pure function of the packet
// bytes), so dissection runs on the second core, overlapped with the
// packet goroutine's flow work.
type batch struct {
	cb   *capture.Batch
	pkts []packet.Packet // pkts[i] is cb.Pkts[i] dissected
	keys []ipKey         // keys[i]: flow key of pkts[i] if it is IP
}

// ipKey is the flow key of an IP packet and its hash, computed by the
// reader goroutine.
type ipKey struct {
	k     flow.Key
	hash  uint64
	rhash uint64 // hash of the reverse key (looked up when the flow is new)
	ok    bool   // the packet has an IP layer (IPVer 4 or 6)
}

// decodeBatchSafe is decodeBatch that turns a memory fault (a mapped
// capture file truncated meanwhile) into an error; the batch is then
// emptied, as its bytes are gone.
func (a *Analyzer) decodeBatchSafe(b *batch) (err error) {
	defer func() {
		if r := recover(); r != nil {
			ferr := capture.MemoryFault(r)
			if ferr == nil {
				panic(r)
			}
			b.cb.Pkts = b.cb.Pkts[:0]
			b.pkts, b.keys = b.pkts[:0], b.keys[:0]
			err = &capture.FileError{File: a.src.Info().File, Reason: capture.ErrRead, Err: ferr}
		}
	}()
	a.decodeBatch(b)
	return nil
}

// decode fills b.pkts from b.cb (reader goroutine).
func (a *Analyzer) decodeBatch(b *batch) {
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
		a.dec.Decode(p)
		a.descIDs.Assign(p)
		k := &b.keys[i]
		k.ok = p.IPVer == 4 || p.IPVer == 6
		if k.ok {
			setIPKey(&k.k, p)
			k.hash = k.k.Hash()
			k.rhash = k.k.ReverseHash()
		}
	}
}

func (a *Analyzer) openSource() error {
	stop := make(chan struct{})
	a.stopCh = stop
	o := capture.Options{
		BPF:          a.opt.BPF,
		SnapLen:      a.cfg.snapLen,
		BufferSize:   a.cfg.bufSize,
		Promisc:      true,
		Timeout:      100 * time.Millisecond,
		PollInterval: time.Duration(a.cfg.pollTM * float64(time.Second)),
		FileTimeout:  time.Duration(a.cfg.mfpTimeout * float64(time.Second)),
		RoundRobin:   a.cfg.rrop,
		OnFile:       a.onFile,
		Warn:         func(msg string) { a.repW.Warn("%s", msg) },
		Stop:         stop,
		MaxBytes:     batchBytes,
	}
	var err error
	switch a.opt.InputKind {
	case InputFile:
		a.src, err = capture.OpenFile(a.opt.Input, o)
	case InputList:
		a.src, err = capture.OpenList(a.opt.Input, o)
	case InputSeries:
		a.src, err = capture.OpenSeries(a.opt.Input, o)
	case InputLive:
		a.src, err = capture.OpenLive(a.opt.Input, o)
		if err == nil {
			a.onFile(a.src.Info())
		}
	}
	return err
}

// onFile is called by the source when it opens a file. The first call
// comes from Open*, on the analyzer goroutine, and prints at once; later
// ones come from the reader goroutine while earlier packets may still be
// processed, so they are queued and printed by the packet loop when the
// stream reaches that file (Pkt.File).
func (a *Analyzer) onFile(ci capture.Info) {
	a.fileMu.Lock()
	if a.loopStarted {
		a.pendingFiles = append(a.pendingFiles, ci)
		a.fileMu.Unlock()
		return
	}
	a.fileMu.Unlock()
	a.printFile(ci)
}

// flushFileNotices prints queued file switches (packet loop only).
func (a *Analyzer) flushFileNotices() {
	a.fileMu.Lock()
	pending := a.pendingFiles
	a.pendingFiles = nil
	a.fileMu.Unlock()
	for _, ci := range pending {
		a.printFile(ci)
	}
}

// printFile prints the input lines of a newly opened file (or the
// interface): what is read, BPF, link type, snapshot length.
func (a *Analyzer) printFile(ci capture.Info) {
	if a.cfg.verbose == 0 {
		return
	}
	in := a.inputFrom(ci)
	report.WriteInput(a.repW, &report.State{Input: in})
	if ci.Pcapng {
		a.warnOnce("pcapng", "PCAP-NG input: 'Percentage completed' counts pcap record sizes and may stay below 100%%")
	}
	if !a.dec.Supported(ci.LinkType) {
		a.warnOnce("lt"+in.LinkName, "Link layer type %s [%s/%d] is not supported: its packets are counted but not dissected",
			in.LinkDesc, in.LinkName, ci.LinkType)
	}
	a.rep.Flush()
}

// loop runs until the input ends or a signal stops it.
func (a *Analyzer) loop() (err error) {
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
			err = &capture.FileError{File: a.src.Info().File, Reason: capture.ErrRead, Err: ferr}
		}
	}()
	full := make(chan batchMsg, numBatches)
	free := make(chan *batch, numBatches)
	for i := 0; i < numBatches; i++ {
		free <- &batch{
			// Room for batchPackets; decodeBatch grows a batch once
			// when bigger batches come (allocating all at once here
			// would delay the first packets by milliseconds).
			cb:   &capture.Batch{Buf: make([]byte, 0, batchBytes+65536), Pkts: make([]capture.Pkt, 0, batchPackets)},
			pkts: make([]packet.Packet, batchPackets),
			keys: make([]ipKey, batchPackets),
		}
	}
	maxBatch := batchPackets
	if a.opt.InputKind == InputFile {
		if st, err := os.Stat(a.opt.Input); err == nil && st.Mode().IsRegular() {
			maxBatch = bigBatch
		}
	}
	readerDone := make(chan struct{})
	a.fileMu.Lock()
	a.loopStarted = true
	a.fileMu.Unlock()
	go func() {
		defer close(readerDone)
		debug.SetPanicOnFault(true) // see decodeBatchSafe
		// Batches grow from batchPackets to maxBatch, so the first
		// packets reach the analyzer as soon as before.
		n := batchPackets
		for {
			var b *batch
			select {
			case b = <-free:
			case <-a.stopCh:
				return
			}
			b.cb.Reset()
			err := a.src.Read(b.cb, n)
			n = min(2*n, maxBatch)
			if derr := a.decodeBatchSafe(b); derr != nil {
				err = derr
			}
			select {
			case full <- batchMsg{b, err}:
			case <-a.stopCh:
				return
			}
			if err != nil && !a.goesOn(err) {
				return
			}
		}
	}()
	stopReader := func() {
		if !a.stopped {
			a.stopped = true
			close(a.stopCh)
		}
	}
	defer func() {
		stopReader()
		// The reader must be gone before the source is closed (mapped
		// files are unmapped then). A live reader returns within its
		// read timeout, a file reader within a batch; a blocked stdin
		// read may not return, and is abandoned (the process exits next).
		if a.opt.InputKind != InputFile || a.opt.Input != "-" {
			<-readerDone
		}
	}()
	var tick <-chan time.Time
	for {
		if a.outputGone() {
			return nil
		}
		if a.ticker != nil {
			tick = a.ticker.C
		} else {
			tick = nil
		}
		select {
		case ev := <-a.opt.Control.Events:
			if stop := a.handleEvent(ev); stop {
				return nil
			}
		case <-tick:
			if a.periodic {
				a.refreshIdleClock()
				a.printReport()
			}
		case m := <-full:
			a.processBatch(m.b)
			if m.err != nil {
				// Files opened after the last packet (empty or damaged
				// ones) are announced before the error or the end.
				a.flushFileNotices()
			}
			free <- m.b
			if m.err != nil {
				if errors.Is(m.err, io.EOF) {
					return nil
				}
				if !a.goesOn(m.err) {
					return m.err
				}
				a.fileError(m.err)
			}
			if a.noNewFlows && a.table.Len() == 0 {
				a.repW.Info("All flows timed out after SIGINT: exiting")
				return nil
			}
		}
	}
}

// goesOn reports whether the input continues after err: a list or a
// series goes on with its next file when one file is damaged or cannot
// be read (the capture source has closed it).
func (a *Analyzer) goesOn(err error) bool {
	if a.opt.InputKind != InputList && a.opt.InputKind != InputSeries {
		return false
	}
	var fe *capture.FormatError
	var oe *capture.FileError
	return errors.As(err, &fe) || errors.As(err, &oe)
}

// fileError reports a damaged file of a list or series (one line on
// stderr, and in the log with -l); the run goes on and ends with exit
// status 1 (ErrInputDamaged).
func (a *Analyzer) fileError(err error) {
	a.damaged++
	fmt.Fprintf(a.opt.Stderr, "[ERR] %v\n", err)
	if a.opt.LogFile {
		a.repW.Error("%v", err)
	}
}

// outputGone reports (once) that stdout's reader went away: t2 then
// stops as after a second SIGINT, so every file is complete.
func (a *Analyzer) outputGone() bool {
	if a.pipeGone {
		return true
	}
	if !a.mon.readerGone() && !a.rep.readerGone() {
		return false
	}
	a.pipeGone = true
	if a.opt.LogFile {
		a.repW.Warn("The reader of stdout went away: removing all flows and exiting")
	}
	return true
}

// handleEvent applies one signal; it returns true when the loop must end.
func (a *Analyzer) handleEvent(ev monitor.Event) bool {
	switch ev {
	case monitor.EvReport:
		a.printReport()
	case monitor.EvTogglePeriodic:
		a.setPeriodic(!a.periodic)
	case monitor.EvReload:
		a.reload()
	case monitor.EvNoNewFlows:
		a.noNewFlows = true
		a.repW.Info("SIGINT: Stop flow creation, when all pending flows timeout (%gs): exit", a.cfg.flowTimeout)
		a.rep.Flush()
		if a.table.Len() == 0 {
			return true
		}
	case monitor.EvFlush:
		a.repW.Info("SIGINT: Remove all flows and exit")
		return true
	case monitor.EvTerminate:
		a.repW.Info("SIGTERM: Terminate, terminate. Remove all flows and exit")
		return true
	case monitor.EvAbortFlush, monitor.EvKill:
		a.aborted = true
		return true
	}
	return false
}

func (a *Analyzer) setPeriodic(on bool) {
	a.periodic = on
	if a.ticker != nil {
		a.ticker.Stop()
		a.ticker = nil
	}
	// -M 0 is accepted and means the timer never fires (as T2).
	if on && a.cfg.mon.timer > 0 {
		a.ticker = time.NewTicker(time.Duration(a.cfg.mon.timer * float64(time.Second)))
	}
}

// processBatch handles every packet of b.
func (a *Analyzer) processBatch(bt *batch) {
	b := bt.cb
	n := len(b.Pkts)
	pb := &a.pb
	for i := 0; i < prefetchIndex && i < n; i++ {
		if k := &bt.keys[i]; k.ok {
			a.table.Prefetch(k.hash, k.rhash, pb)
		}
	}
	pb.Flush()
	for i := range b.Pkts {
		// Each stage reads what the one before brought in.
		if j := i + prefetchIndex; j < n && bt.keys[j].ok {
			a.table.Prefetch(bt.keys[j].hash, bt.keys[j].rhash, pb)
		}
		if j := i + prefetchFlow; j < n && bt.keys[j].ok {
			a.table.PrefetchFlow(bt.keys[j].hash, bt.keys[j].rhash, pb)
		}
		if j := i + prefetchLinks; j < n && bt.keys[j].ok {
			a.table.PrefetchLinks(bt.keys[j].hash, pb)
		}
		// The payload's first line: plugins that parse payloads (ftpDecode)
		// read it, and the dissector stopped before it.
		if j := i + prefetchFlow; j < n && len(bt.pkts[j].Payload) > 0 {
			pb.Add(unsafe.Pointer(&bt.pkts[j].Payload[0]))
		}
		pb.Flush()
		if a.aborted || a.opt.Control.State() >= monitor.Flush {
			return
		}
		if f := b.Pkts[i].File; f != a.curFile {
			a.curFile = f
			a.flushFileNotices()
		}
		a.handlePacket(&bt.pkts[i], &bt.keys[i])
	}
	if len(b.Pkts) > 0 {
		a.lastPktWall = time.Now()
		a.progressUpdate()
	} else if a.opt.InputKind == InputLive {
		a.idle()
	}
}

// Prefetch distances in packets: the index positions of a packet's key
// and reverse key are requested prefetchIndex packets before the packet
// is handled, the flows they point at prefetchFlow packets before, and
// the flow's LRU neighbours prefetchLinks packets before. Each stage
// reads what the one before brought in.
const (
	prefetchIndex = 8
	prefetchFlow  = 4
	prefetchLinks = 2
)

// prefetchSlot lets the plugins queue their state of the flow in slot.
// It runs when a flow becomes an LRU tail (Table.SetTailPrefetch): the
// release that follows reads all of it. (Doing the same for every packet
// a few packets ahead measured slower: the per-packet state is mostly in
// cache already, and the extra prefetches crowd the CPU's miss buffers.)
func (a *Analyzer) prefetchSlot(slot int32, b *prefetch.Batch) {
	for _, p := range a.prefetchers {
		p.PrefetchSlot(slot, b)
	}
}

// refreshIdleClock lets a periodic report on a quiet live link carry the
// wall-clock time, so idle rows show the real interval (T2 only refreshes
// after 1.5 s without packets, giving rows of 1.5 s and 0 s).
func (a *Analyzer) refreshIdleClock() {
	if a.opt.InputKind != InputLive || time.Since(a.lastPktWall) < 100*time.Millisecond {
		return
	}
	if t := packet.Time(time.Now().UnixNano()); t > a.actTime {
		a.actTime = t
		a.table.Expired(t, a.release)
	}
}

// idle advances the analyzer clock on a quiet live link so that flows
// time out and periodic report times move on.
func (a *Analyzer) idle() {
	now := time.Now()
	if now.Sub(a.lastPktWall) < idleRefresh {
		return
	}
	a.lastPktWall = now
	t := packet.Time(now.UnixNano())
	if t > a.actTime {
		a.actTime = t
		a.table.Expired(t, a.release)
	}
	a.rep.Flush()
}
