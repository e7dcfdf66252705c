package capture

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"os"
	"unsafe"

	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/prefetch"
)

// How damage is handled (each case is pinned down by a test):
//
//   - Framing damage ends the file with a *FormatError after the good
//     packets: a pcap captured length above max(snaplen, 262144) (e.g.
//     malformed-cut-short-null.pcap: 524501 bytes claimed in a 239-byte
//     file), a file cut inside a record header or its data, a pcapng block
//     length that is not a multiple of 4, below 12 or above 16 MiB, a
//     trailing block length that differs from the leading one, an option
//     running past its block (malformed-pcapng-shb-option-too-long.pcapng),
//     a packet for an undescribed interface or longer than its block, a
//     gzip checksum/header error. Nothing is allocated or skipped on the
//     strength of a length before it was bounded.
//   - Odd but readable fields are kept and reported once per file through
//     Options.Warn: a microsecond field >= 1e6 (nanosecond >= 1e9), as in
//     malformed-timestamp-invalid-usec.pcap, is added as is; a captured
//     length above the wire length or the snaplen is delivered.
//   - A wire length far above the captured length (malformed-gre-
//     heapoverflow.pcap: 262144 vs 98) is what a short snaplen produces:
//     not even a warning.
//   - Damage in a header (pcapng blocks before the first packet, a pcap
//     header under 24 bytes) makes OpenFile fail with the *FormatError.

const (
	// maxRecord is libpcap's MAXIMUM_SNAPLEN: a pcap record claiming more
	// captured bytes (and more than the file's snaplen) is damage, not a
	// jumbo frame, and is never allocated.
	maxRecord = 262144
	// maxBlock bounds any single pcapng block (and a pcap snaplen used as a
	// record limit), so a corrupt length never makes us allocate or skip
	// absurd amounts.
	maxBlock = 16 << 20
	// readBufSize is the bufio buffer in front of every file.
	readBufSize = 1 << 20
	// defaultMaxBytes is the default batch byte budget.
	defaultMaxBytes = 1 << 20
	// maxIfaces bounds the interface description blocks of one pcapng
	// section. pcapng sets no limit, but a real capture has a handful of
	// interfaces; without a bound a small gzip'd file of empty IDBs grows
	// the interface table by gigabytes.
	maxIfaces = 4096
)

const (
	ngSHB = 0x0A0D0D0A
	ngIDB = 1
	ngPB  = 2 // obsolete Packet Block
	ngSPB = 3
	ngEPB = 6
)

// errFull says the next packet does not fit in the batch byte budget; the
// packet is left unread for the next call.
var errFull = errors.New("batch full")

// Warning kinds, each reported once per file.
const (
	warnFrac = 1 << iota
	warnCapWire
	warnCapSnap
)

// ngIface is one pcapng interface (IDB) with its timestamp conversion.
type ngIface struct {
	linkType uint16
	snapLen  uint32
	binary   bool   // resolution 2^-shift s, else 10^-v s
	shift    uint   // binary exponent
	mul, div uint64 // decimal: ns = ts*mul/div (div 0: every ts is 0 ns)
	offset   int64  // if_tsoffset, ns
}

func (f *ngIface) ns(ts uint64) int64 {
	var v uint64
	switch {
	case f.binary:
		hi, lo := bits.Mul64(ts, 1e9)
		switch {
		case f.shift == 0:
			v = lo
		case f.shift >= 64:
			v = hi >> (f.shift - 64)
		default:
			v = lo>>f.shift | hi<<(64-f.shift)
		}
	case f.div == 0:
		v = 0
	default:
		v = ts * f.mul / f.div
	}
	return int64(v) + f.offset
}

// reader decodes one capture stream (pcap or pcapng, possibly gzipped).
// It appends packets straight into a Batch: no allocation per packet.
type reader struct {
	name     string
	warn     func(string)
	br       *bufio.Reader
	gz       *gzip.Reader
	be       bool // big-endian file
	ng       bool
	nsec     bool // pcap with ns timestamps
	linkType uint16
	snapLen  uint32
	maxCap   uint32 // pcap: largest captured length accepted
	rec      int64  // records (pcap) or blocks (pcapng) consumed
	off      int64  // bytes consumed
	warned   int
	ifaces   []ngIface
	lastTS   packet.Time
	blk      []byte // scratch for non-packet pcapng blocks
	blkStart int64  // offset of the block in blk
	tmp      [4]byte
	// A plain pcap regular file is read through a memory mapping while
	// mm is set: mpos is the read position in it, file the open file
	// (reading goes on from mpos should the mapping not reach the end).
	mm    *mapping
	mpos  int
	mpref int // the mapping is prefetched up to here (prefetchAhead)
	pb    prefetch.Batch
	file  *os.File
	// direct: a plain pcap regular file is read with read() straight
	// into the batches' buffers (nextDirect). db is the batch being
	// filled and dpos the position of its next record in its bytes;
	// carry is what was read past the last record of the batch handed
	// over (the start of the next record), for the next batch: the
	// bytes past that batch's b.Mapped (parkDirect), not a copy, or
	// (after startDirect) the bytes the header check buffered.
	direct bool
	dsrc   io.Reader // the file (after the bytes the header check buffered)
	db     *Batch
	dpos   int
	carry  []byte
}

// newReader checks the header of src and prepares to read its packets.
// For pcapng it consumes the blocks before the first packet, so the link
// type of the first interface is known.
func newReader(src io.Reader, name string, warn func(string)) (*reader, error) {
	size := readBufSize
	if br, ok := src.(*bytes.Reader); ok {
		// In-memory input (tests, fuzzing): no need for 1 MiB buffers.
		size = min(max(int(br.Size()), 4096), 64<<10)
	}
	r := &reader{name: name, warn: warn, br: bufio.NewReaderSize(src, size)}
	m, err := r.br.Peek(4)
	if len(m) == 0 && err == io.EOF {
		return nil, &FileError{File: name, Reason: ErrEmpty}
	}
	if len(m) >= 2 && m[0] == 0x1f && m[1] == 0x8b {
		r.gz, err = gzip.NewReader(r.br)
		if err != nil {
			return nil, &FileError{File: name, Reason: ErrNotCapture}
		}
		r.br = bufio.NewReaderSize(r.gz, size)
		m, err = r.br.Peek(4)
		if len(m) == 0 && err == io.EOF {
			return nil, &FileError{File: name, Reason: ErrEmpty}
		}
	}
	if len(m) < 4 {
		if err != nil && err != io.EOF && !errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, r.ioErr(err)
		}
		return nil, &FileError{File: name, Reason: ErrNotCapture}
	}
	switch {
	case m[0] == 0xa1 && m[1] == 0xb2 && m[2] == 0xc3 && m[3] == 0xd4:
		r.be = true
	case m[0] == 0xd4 && m[1] == 0xc3 && m[2] == 0xb2 && m[3] == 0xa1:
	case m[0] == 0xa1 && m[1] == 0xb2 && m[2] == 0x3c && m[3] == 0x4d:
		r.be, r.nsec = true, true
	case m[0] == 0x4d && m[1] == 0x3c && m[2] == 0xb2 && m[3] == 0xa1:
		r.nsec = true
	case m[0] == 0x0a && m[1] == 0x0d && m[2] == 0x0d && m[3] == 0x0a:
		r.ng = true
		if err := r.ngPrime(); err != nil {
			return nil, err
		}
		return r, nil
	default:
		return nil, &FileError{File: name, Reason: ErrNotCapture}
	}
	h, err := r.br.Peek(24)
	if len(h) < 24 {
		if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, r.formatErr(0, fmt.Sprintf("file ends inside the 24-byte pcap file header (%d bytes)", len(h)))
		}
		return nil, r.ioErr(err)
	}
	r.snapLen = r.u32(h[16:])
	if r.snapLen == 0 {
		r.snapLen = maxRecord // libpcap's reading of an unset snaplen
	}
	// The upper bits of the link type field carry FCS information.
	r.linkType = uint16(r.u32(h[20:]))
	r.maxCap = maxRecord
	if r.snapLen > r.maxCap {
		r.maxCap = min(r.snapLen, maxBlock)
	}
	r.br.Discard(24)
	r.off = 24
	return r, nil
}

func (r *reader) u16(b []byte) uint16 {
	if r.be {
		return binary.BigEndian.Uint16(b)
	}
	return binary.LittleEndian.Uint16(b)
}

func (r *reader) u32(b []byte) uint32 {
	if r.be {
		return binary.BigEndian.Uint32(b)
	}
	return binary.LittleEndian.Uint32(b)
}

func (r *reader) formatErr(rec int64, msg string) *FormatError {
	return &FormatError{File: r.name, Record: rec, Offset: r.off, Msg: msg, Gzip: r.gz != nil, Pcapng: r.ng}
}

// ioErr turns a read error into a FormatError (gzip damage) or a FileError.
func (r *reader) ioErr(err error) error {
	if r.gz != nil && (errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader)) {
		return r.formatErr(r.rec+1, "gzip stream: "+err.Error())
	}
	return &FileError{File: r.name, Reason: ErrRead, Err: err}
}

// short builds the error for a stream that ends (or fails) after got of
// want bytes of something.
func (r *reader) short(err error, what string, got, want int) error {
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		return r.formatErr(r.rec+1, fmt.Sprintf("file ends inside %s (%d of %d bytes): cut short", what, got, want))
	}
	return r.ioErr(err)
}

// cut is short for a stream that ends inside the record r.rec, which
// starts at byte recStart.
func (r *reader) cut(err error, recStart int64, what string, got, want int) error {
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		e := r.formatErr(r.rec, fmt.Sprintf("file ends inside %s (%d of %d bytes): cut short", what, got, want))
		e.Offset = recStart
		return e
	}
	return r.ioErr(err)
}

func (r *reader) warnOnce(kind int, msg string) {
	if r.warned&kind != 0 {
		return
	}
	r.warned |= kind
	if r.warn != nil {
		r.warn(fmt.Sprintf("File '%s': record %d: %s (further occurrences not reported)", r.name, r.rec, msg))
	}
}

// close releases the gzip reader (the caller closes the file).
func (r *reader) close() {
	if r.gz != nil {
		r.gz.Close()
	}
}

// reserve makes room for n more bytes in b.Buf and returns their offset.
func reserve(b *Batch, n, limit int) int {
	// A batch whose mapped packets were all filtered out holds read
	// packets from here on (callers hand over non-empty mapped batches).
	b.Mapped, b.dr = nil, nil
	o := len(b.Buf)
	need := o + n
	if need > cap(b.Buf) {
		c := max(2*cap(b.Buf), need, limit+maxRecord)
		nb := make([]byte, o, c)
		copy(nb, b.Buf)
		b.Buf = nb
	}
	b.Buf = b.Buf[:need]
	return o
}

// fill reads exactly n bytes of packet data into b at a new offset. The
// record (already counted in r.rec) starts at byte recStart: a stream that
// ends inside the data is reported there.
func (r *reader) fill(b *Batch, n, limit int, recStart int64) (int, error) {
	o := reserve(b, n, limit)
	if r.br.Buffered() >= n {
		// The usual case: copy straight out of the read buffer (cheaper
		// per packet than io.ReadFull's call chain).
		src, _ := r.br.Peek(n)
		copy(b.Buf[o:o+n], src)
		r.br.Discard(n)
		r.off += int64(n)
		return o, nil
	}
	got, err := io.ReadFull(r.br, b.Buf[o:o+n])
	r.off += int64(got)
	if err != nil {
		b.Buf = b.Buf[:o]
		return 0, r.cut(err, recStart, "packet data", got, n)
	}
	return o, nil
}

// next appends one packet to b. It returns io.EOF at the clean end of the
// stream, errFull (nothing consumed) when the packet would take b.Buf past
// limit and b already holds packets, or a *FormatError.
func (r *reader) next(b *Batch, file uint16, limit int) error {
	if r.direct {
		return r.nextDirect(b, file, limit)
	}
	// Never block for more input while packets are waiting: on a pipe
	// (tcpdump -w - | t2 -r -) the next record may be seconds away, and
	// the packets already read (and the reports they trigger) must not
	// wait for it. On a regular file this ends a batch early at most once
	// per buffer refill.
	if len(b.Pkts) > 0 && r.br.Buffered() < 16 {
		return errFull
	}
	if r.ng {
		return r.ngNext(b, file, limit)
	}
	if r.mm != nil {
		return r.nextMapped(b, file, limit)
	}
	if len(b.Pkts) > 0 && b.Mapped != nil {
		return errFull // a batch holds mapped or read packets, not both
	}
	h, err := r.br.Peek(16)
	if len(h) < 16 {
		if len(h) == 0 && err == io.EOF {
			return io.EOF
		}
		return r.short(err, "a record header", len(h), 16)
	}
	sec, frac, capLen, wireLen, err := r.recordHeader(h)
	if err != nil {
		return err
	}
	if len(b.Pkts) > 0 && (len(b.Buf)+int(capLen) > limit || r.br.Buffered() < 16+int(capLen)) {
		return errFull
	}
	r.rec++
	recStart := r.off
	r.br.Discard(16)
	r.off += 16
	ts := r.recordTime(sec, frac, capLen, wireLen)
	o, err := r.fill(b, int(capLen), limit, recStart)
	if err != nil {
		return err
	}
	b.Pkts = append(b.Pkts, Pkt{TS: ts, CapLen: capLen, WireLen: wireLen, Off: uint32(o), LinkType: r.linkType, File: file})
	return nil
}

// recordHeader reads a pcap record header (h: its 16 bytes) and checks
// its captured length: above both the snaplen and libpcap's maximum it is
// corrupt (e.g. fuzzed or cut files), and reading stops instead of
// allocating or skipping an absurd amount.
func (r *reader) recordHeader(h []byte) (sec, frac, capLen, wireLen uint32, err error) {
	_ = h[15]
	capLen = r.u32(h[8:])
	if capLen > r.maxCap {
		return 0, 0, 0, 0, r.capLenErr(capLen)
	}
	return r.u32(h[0:]), r.u32(h[4:]), capLen, r.u32(h[12:]), nil
}

func (r *reader) capLenErr(capLen uint32) error {
	return r.formatErr(r.rec+1, fmt.Sprintf("captured length %d exceeds the maximum of %d (snaplen %d)", capLen, r.maxCap, r.snapLen))
}

// recordTime converts a pcap record's time fields. Merely odd fields are
// delivered as they are, with one warning per file: a fraction >= 1 s is
// added as is (as libpcap's timeval arithmetic would), wire < captured
// length and captured > snaplen are kept. A microsecond field with the
// top bit set counts as negative (a signed 32-bit field, as T2 0.9.3
// reads it): in malformed-timestamp-invalid-usec.pcap 2147483648 µs puts
// the packet 2147.48 s before its second, which T2 reports as a
// timestamp jump inside the flow rather than as a new flow.
func (r *reader) recordTime(sec, frac, capLen, wireLen uint32) packet.Time {
	var ts packet.Time
	if r.nsec {
		if frac >= 1e9 {
			r.warnOnce(warnFrac, fmt.Sprintf("nanosecond field %d is not below 1000000000", frac))
		}
		ts = packet.Time(int64(sec)*1e9 + int64(frac))
	} else {
		if frac >= 1e6 {
			r.warnOnce(warnFrac, fmt.Sprintf("microsecond field %d is not below 1000000", frac))
		}
		ts = packet.Time(int64(sec)*1e9 + int64(int32(frac))*1000)
	}
	if wireLen < capLen {
		r.warnOnce(warnCapWire, fmt.Sprintf("captured length %d exceeds the wire length %d", capLen, wireLen))
	}
	if r.snapLen != 0 && capLen > r.snapLen {
		r.warnOnce(warnCapSnap, fmt.Sprintf("captured length %d exceeds the snapshot length %d", capLen, r.snapLen))
	}
	return ts
}

// nextMapped is next for a mapped file: the packet stays where it is in
// the mapping.
func (r *reader) nextMapped(b *Batch, file uint16, limit int) error {
	if len(b.Pkts) > 0 && b.Mapped == nil {
		return errFull // a batch holds mapped or read packets, not both
	}
	if b.dr != nil {
		if len(b.Pkts) > 0 {
			return errFull // the batch holds packets read directly
		}
		b.dr = nil
	}
	m := r.mm.data
	pos := r.mpos
	if len(m)-pos < 16 {
		return r.leaveMapping(b, file, limit)
	}
	r.prefetchAhead(pos)
	r.mm.ahead(pos)
	h := m[pos : pos+16]
	sec, frac, capLen, wireLen, err := r.recordHeader(h)
	if err != nil {
		return err
	}
	end := pos + 16 + int(capLen)
	if end > len(m) {
		return r.leaveMapping(b, file, limit)
	}
	if len(b.Pkts) > 0 && end-(len(m)-len(b.Mapped)) > limit {
		return errFull
	}
	r.rec++
	ts := r.recordTime(sec, frac, capLen, wireLen)
	if len(b.Pkts) == 0 {
		b.Mapped = m[pos:]
		if b.mapping != r.mm {
			if b.mapping != nil {
				b.mapping.release(b.mapFrom, b.mapTo)
			}
			b.mapping, b.mapFrom = r.mm, pos
		}
	}
	b.mapTo = end
	off := pos + 16 - (len(m) - len(b.Mapped))
	r.mpos = end
	r.off = int64(end)
	b.Pkts = append(b.Pkts, Pkt{TS: ts, CapLen: capLen, WireLen: wireLen, Off: uint32(off), LinkType: r.linkType, File: file})
	return nil
}

// readAhead is how far ahead of the read position the mapping is
// prefetched. The pages of a file mapping are scattered in physical
// memory, so the CPU's own sequential prefetcher starts over at every
// page; without this each record's first touch waits for memory.
const readAhead = 4096

// prefetchAhead asks for the mapping's cache lines up to pos+readAhead
// that were not asked for yet.
func (r *reader) prefetchAhead(pos int) {
	m := r.mm.data
	to := min(pos+readAhead, len(m))
	from := max(r.mpref, pos)
	if from >= to {
		return
	}
	for i := from &^ 63; i < to; i += 64 {
		r.pb.Add(unsafe.Pointer(&m[i]))
	}
	r.pb.Flush()
	r.mpref = to
}

// leaveMapping goes on reading the file at the end of the mapping: the
// file may have grown since it was mapped, or ends inside a record,
// which reading reports as usual. The mapping itself stays until the
// source is closed (batches in flight still use it).
func (r *reader) leaveMapping(b *Batch, file uint16, limit int) error {
	if len(b.Pkts) > 0 {
		return errFull // hand over the mapped packets first
	}
	if _, err := r.file.Seek(int64(r.mpos), io.SeekStart); err != nil {
		return r.ioErr(err)
	}
	r.br.Reset(r.file)
	r.off = int64(r.mpos)
	r.mm = nil
	return r.next(b, file, limit)
}

// directChunk is what one read() of a directly read file asks for
// beyond the record it needs: small enough that the bytes the kernel
// just copied are still in this core's cache when the records are
// parsed and dissected, big enough that the system calls do not count.
const directChunk = 128 << 10

// startDirect makes the records be read directly from src, the stream
// the reader was made on: the bytes the header check left in the read
// buffer come first.
func (r *reader) startDirect(src io.Reader) {
	n := r.br.Buffered()
	buf, _ := r.br.Peek(n)
	r.carry = append([]byte(nil), buf...)
	r.br.Discard(n)
	r.dsrc, r.direct, r.db, r.dpos = src, true, nil, 0
}

// nextDirect is next for a directly read file. The batch's buffer is
// the read buffer: the file's bytes are read into it in directChunk
// steps as the records are needed, and its packets stay where they
// landed (b.Mapped is the buffer, Off counts from its start, record
// headers in between). One copy (the kernel's) instead of the two of a
// buffered read, and none of a mapping's page faults and unmapping;
// the batch's bytes are still in the cache when they are dissected.
// What was read past the batch's last record moves on to the next batch
// (parkDirect): it is copied once, to the start of the next batch's
// buffer, or not at all when the same batch is read on (Read again
// without Reset, as the engine does to dissect each part of a batch
// while its bytes are in the cache).
func (r *reader) nextDirect(b *Batch, file uint16, limit int) error {
	if b.dr != r || r.db != b {
		if len(b.Pkts) > 0 {
			return errFull // the batch holds packets of another kind, file or batch
		}
		buf := b.Buf[:0]
		if cap(buf) < limit {
			buf = make([]byte, 0, limit+directChunk)
		}
		// (copy handles a carry in this very buffer, after a Reset)
		buf = append(buf, r.carry...)
		r.carry = nil
		b.Buf, b.Mapped, b.dr = buf[:0], buf, r
		r.db, r.dpos = b, 0
	} else if len(r.carry) > 0 {
		// The same batch again, not reset: its unparsed bytes come back,
		// where they are.
		m := b.Mapped
		if len(m) == r.dpos && cap(m)-len(m) >= len(r.carry) && &m[:len(m)+1][len(m)] == &r.carry[0] {
			b.Mapped = m[:len(m)+len(r.carry)]
		} else {
			if len(m)+len(r.carry) > cap(m) {
				return errFull
			}
			b.Mapped = append(m, r.carry...)
		}
		r.carry = nil
	}
	pos := r.dpos
	if len(b.Mapped)-pos < 16 {
		if err := r.more(b, pos+16, limit); err != nil {
			if err == errFull {
				return err
			}
			got := len(b.Mapped) - pos
			if got == 0 && err == io.EOF {
				return io.EOF
			}
			return r.short(err, "a record header", got, 16)
		}
	}
	h := b.Mapped[pos : pos+16]
	sec, frac, capLen, wireLen, err := r.recordHeader(h)
	if err != nil {
		return err
	}
	end := pos + 16 + int(capLen)
	if len(b.Pkts) > 0 && end > limit {
		return errFull
	}
	if end > len(b.Mapped) {
		if err := r.more(b, end, limit); err != nil {
			if err == errFull {
				return err
			}
			r.rec++
			recStart := r.off
			r.off += int64(len(b.Mapped) - pos)
			return r.cut(err, recStart, "packet data", len(b.Mapped)-pos-16, int(capLen))
		}
	}
	r.rec++
	ts := r.recordTime(sec, frac, capLen, wireLen)
	r.dpos = end
	r.off += 16 + int64(capLen)
	b.Pkts = append(b.Pkts, Pkt{TS: ts, CapLen: capLen, WireLen: wireLen, Off: uint32(pos + 16), LinkType: r.linkType, File: file})
	return nil
}

// directRun appends up to max more packets of a directly read file,
// after nextDirect appended one to b: as nextDirect would, those whose
// records are whole in the bytes read already and need no warning (a
// little-endian file's fraction below a second, captured length within
// the wire length and the snaplen), so that no check of nextDirect's
// slow cases runs for them. It stops at the first other record, which
// nextDirect then handles, and returns the number appended.
func (r *reader) directRun(b *Batch, file uint16, limit, max int) int {
	if !r.direct || b.dr != r || r.db != b || len(r.carry) > 0 || r.be || len(b.Pkts) == 0 {
		return 0
	}
	m := b.Mapped
	start := r.dpos
	pos := start
	fracMax, fracMul := uint32(1e6), int64(1000)
	if r.nsec {
		fracMax, fracMul = 1e9, 1
	}
	maxCap, snap := r.maxCap, r.snapLen
	lt := r.linkType
	n := 0
	for n < max && len(m)-pos >= 16 {
		h := m[pos : pos+16]
		capLen := binary.LittleEndian.Uint32(h[8:])
		wireLen := binary.LittleEndian.Uint32(h[12:])
		frac := binary.LittleEndian.Uint32(h[4:])
		end := pos + 16 + int(capLen)
		if capLen > maxCap || capLen > snap || wireLen < capLen || frac >= fracMax || end > len(m) || end > limit {
			break
		}
		ts := packet.Time(int64(binary.LittleEndian.Uint32(h[0:]))*1e9 + int64(frac)*fracMul)
		b.Pkts = append(b.Pkts, Pkt{TS: ts, CapLen: capLen, WireLen: wireLen, Off: uint32(pos + 16), LinkType: lt, File: file})
		pos = end
		n++
	}
	r.rec += int64(n)
	r.off += int64(pos - start)
	r.dpos = pos
	return n
}

// more reads into the batch until it holds need bytes (plus up to
// directChunk more). It returns errFull when they do not fit in the
// buffer of a batch that holds packets (an empty batch's buffer grows),
// io.EOF or the read error when the file ends or fails first.
func (r *reader) more(b *Batch, need, limit int) error {
	m := b.Mapped
	if need > cap(m) {
		if len(b.Pkts) > 0 {
			return errFull
		}
		nb := make([]byte, len(m), max(need+directChunk, limit+directChunk))
		copy(nb, m)
		m = nb
		b.Buf = nb[:0]
	}
	for len(m) < need {
		to := min(cap(m), max(len(m)+directChunk, need))
		n, err := r.dsrc.Read(m[len(m):to])
		m = m[:len(m)+n]
		if len(m) >= need {
			break // (an error comes again with the next read)
		}
		if err != nil || n == 0 {
			b.Mapped = m
			if err == nil {
				err = io.ErrNoProgress
			}
			return err
		}
	}
	b.Mapped = m
	return nil
}

// parkDirect ends the batch being filled: the bytes read past its last
// record are kept for the next batch. They stay where they are, past
// b.Mapped: nothing writes there until the next Read, which takes them
// first (nextDirect).
func (r *reader) parkDirect(b *Batch) {
	if !r.direct || b.dr != r || r.db != b || r.dpos >= len(b.Mapped) {
		return
	}
	r.carry = b.Mapped[r.dpos:len(b.Mapped):len(b.Mapped)]
	b.Mapped = b.Mapped[:r.dpos]
}

// ngPrime reads the pcapng blocks before the first packet.
func (r *reader) ngPrime() error {
	for {
		h, err := r.br.Peek(8)
		if len(h) < 8 {
			if len(h) == 0 && err == io.EOF && r.rec > 0 {
				return nil
			}
			if r.rec == 0 {
				return r.formatErr(0, fmt.Sprintf("file ends inside the section header block (%d of 8 bytes)", len(h)))
			}
			return r.short(err, "a block header", len(h), 8)
		}
		typ := r.u32(h)
		if r.rec > 0 && (typ == ngEPB || typ == ngSPB || typ == ngPB) {
			return nil
		}
		if err := r.ngBlock(typ); err != nil {
			return err
		}
	}
}

// ngBlock consumes one non-packet block.
func (r *reader) ngBlock(typ uint32) error {
	if typ == ngSHB || (r.rec == 0) {
		return r.ngSHB()
	}
	blen, err := r.ngLen()
	if err != nil {
		return err
	}
	if typ != ngIDB {
		r.rec++
		n, err := r.br.Discard(int(blen))
		r.off += int64(n)
		if err != nil {
			r.rec--
			return r.short(err, fmt.Sprintf("a block of type 0x%x", typ), n, int(blen))
		}
		return nil
	}
	body, err := r.ngRead(blen, "an interface description block")
	if err != nil {
		return err
	}
	if blen < 20 {
		return r.formatErr(r.rec, fmt.Sprintf("interface description block of %d bytes is too short", blen))
	}
	f := ngIface{linkType: r.u16(body[8:]), snapLen: r.u32(body[12:]), mul: 1000, div: 1}
	err = r.ngOptions(body[16:blen-4], "interface description", func(code uint16, v []byte) error {
		switch {
		case code == 9 && len(v) >= 1:
			e := v[0]
			if e&0x80 != 0 {
				f.binary, f.shift = true, uint(e&0x7f)
				return nil
			}
			f.mul, f.div = 1, 1
			switch {
			case e <= 9:
				f.mul = pow10(9 - int(e))
			case e-9 <= 19:
				f.div = pow10(int(e) - 9)
			default:
				f.div = 0
			}
		case code == 14 && len(v) >= 8:
			var off uint64
			if r.be {
				off = binary.BigEndian.Uint64(v)
			} else {
				off = binary.LittleEndian.Uint64(v)
			}
			f.offset = int64(off) * 1e9
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(r.ifaces) >= maxIfaces {
		return &FormatError{File: r.name, Record: r.rec, Offset: r.blkStart, Gzip: r.gz != nil, Pcapng: true,
			Msg: fmt.Sprintf("more than %d interface description blocks in one section", maxIfaces)}
	}
	r.ifaces = append(r.ifaces, f)
	if len(r.ifaces) == 1 {
		r.linkType, r.snapLen = f.linkType, f.snapLen
	}
	return nil
}

func pow10(n int) uint64 {
	v := uint64(1)
	for range n {
		v *= 10
	}
	return v
}

// ngLen validates the total length of the block whose header is buffered.
func (r *reader) ngLen() (uint32, error) {
	h, _ := r.br.Peek(8)
	blen := r.u32(h[4:])
	if blen < 12 || blen%4 != 0 || blen > maxBlock {
		return 0, r.formatErr(r.rec+1, fmt.Sprintf("block of type 0x%x has an invalid total length %d", r.u32(h), blen))
	}
	return blen, nil
}

// ngRead reads a whole small block into the scratch buffer and checks its
// trailing length copy.
func (r *reader) ngRead(blen uint32, what string) ([]byte, error) {
	if cap(r.blk) < int(blen) {
		r.blk = make([]byte, blen)
	}
	body := r.blk[:blen]
	n, err := io.ReadFull(r.br, body)
	if err != nil {
		r.off += int64(n)
		return nil, r.short(err, what, n, int(blen))
	}
	r.rec++
	r.blkStart = r.off
	if t := r.u32(body[blen-4:]); t != blen {
		return nil, r.formatErr(r.rec, fmt.Sprintf("%s: trailing length %d differs from the leading length %d", what, t, blen))
	}
	r.off += int64(blen)
	return body, nil
}

// ngOptions walks a pcapng option list, rejecting options that run past
// the block.
func (r *reader) ngOptions(opts []byte, what string, fn func(code uint16, v []byte) error) error {
	for len(opts) >= 4 {
		code, l := r.u16(opts), int(r.u16(opts[2:]))
		if code == 0 {
			return nil
		}
		padded := (l + 3) &^ 3
		if 4+padded > len(opts) {
			return &FormatError{File: r.name, Record: r.rec, Offset: r.blkStart, Gzip: r.gz != nil, Pcapng: true,
				Msg: fmt.Sprintf("%s block option %d has length %d, longer than the %d bytes left in the block", what, code, l, len(opts)-4)}
		}
		if err := fn(code, opts[4:4+l]); err != nil {
			return err
		}
		opts = opts[4+padded:]
	}
	return nil
}

// ngSHB reads a Section Header Block: it sets the byte order and starts a
// new set of interfaces.
func (r *reader) ngSHB() error {
	h, err := r.br.Peek(12)
	if len(h) < 12 {
		return r.short(err, "a section header block", len(h), 12)
	}
	if r.u32(h) != ngSHB && !(h[0] == 0x0a && h[1] == 0x0d && h[2] == 0x0d && h[3] == 0x0a) {
		return r.formatErr(r.rec+1, "expected a section header block")
	}
	switch {
	case h[8] == 0x1a && h[9] == 0x2b && h[10] == 0x3c && h[11] == 0x4d:
		r.be = true
	case h[8] == 0x4d && h[9] == 0x3c && h[10] == 0x2b && h[11] == 0x1a:
		r.be = false
	default:
		return r.formatErr(r.rec+1, fmt.Sprintf("section header block has an invalid byte-order magic % x", h[8:12]))
	}
	blen, err := r.ngLen()
	if err != nil {
		return err
	}
	if blen < 28 {
		return r.formatErr(r.rec+1, fmt.Sprintf("section header block of %d bytes is too short", blen))
	}
	body, err := r.ngRead(blen, "a section header block")
	if err != nil {
		return err
	}
	if v := r.u16(body[12:]); v != 1 {
		return r.formatErr(r.rec, fmt.Sprintf("unsupported pcapng major version %d", v))
	}
	r.ifaces = r.ifaces[:0]
	return r.ngOptions(body[24:blen-4], "section header", func(uint16, []byte) error { return nil })
}

// ngNext appends the next packet of a pcapng stream.
func (r *reader) ngNext(b *Batch, file uint16, limit int) error {
	if len(b.Pkts) > 0 && b.Mapped != nil {
		return errFull // a batch holds mapped or read packets, not both
	}
	for {
		h, err := r.br.Peek(8)
		if len(h) < 8 {
			if len(h) == 0 && err == io.EOF {
				return io.EOF
			}
			return r.short(err, "a block header", len(h), 8)
		}
		typ := r.u32(h)
		if typ != ngEPB && typ != ngSPB && typ != ngPB {
			if err := r.ngBlock(typ); err != nil {
				return err
			}
			continue
		}
		blen, err := r.ngLen()
		if err != nil {
			return err
		}
		var hdrLen int // fixed part: block header + packet fields
		switch typ {
		case ngEPB, ngPB:
			hdrLen = 28
		case ngSPB:
			hdrLen = 12
		}
		if int(blen) < hdrLen+4 {
			return r.formatErr(r.rec+1, fmt.Sprintf("packet block of %d bytes is too short", blen))
		}
		p, err := r.br.Peek(hdrLen)
		if len(p) < hdrLen {
			return r.short(err, "a packet block header", len(p), hdrLen)
		}
		room := blen - uint32(hdrLen) - 4
		var ifid int
		var capLen, wireLen uint32
		var tsRaw uint64
		switch typ {
		case ngEPB:
			ifid = int(r.u32(p[8:]))
			tsRaw = uint64(r.u32(p[12:]))<<32 | uint64(r.u32(p[16:]))
			capLen, wireLen = r.u32(p[20:]), r.u32(p[24:])
		case ngPB:
			ifid = int(r.u16(p[8:]))
			tsRaw = uint64(r.u32(p[12:]))<<32 | uint64(r.u32(p[16:]))
			capLen, wireLen = r.u32(p[20:]), r.u32(p[24:])
		case ngSPB:
			wireLen = r.u32(p[8:])
			capLen = min(wireLen, room)
			if len(r.ifaces) > 0 && r.ifaces[0].snapLen != 0 {
				capLen = min(capLen, r.ifaces[0].snapLen)
			}
		}
		if ifid >= len(r.ifaces) {
			return r.formatErr(r.rec+1, fmt.Sprintf("packet for interface %d, but only %d interfaces are described", ifid, len(r.ifaces)))
		}
		if capLen > room {
			return r.formatErr(r.rec+1, fmt.Sprintf("captured length %d exceeds the %d bytes of its block", capLen, room))
		}
		if len(b.Pkts) > 0 && len(b.Buf)+int(capLen) > limit {
			return errFull
		}
		r.rec++
		recStart := r.off
		r.br.Discard(hdrLen)
		r.off += int64(hdrLen)
		f := &r.ifaces[ifid]
		ts := r.lastTS
		if typ != ngSPB {
			ts = packet.Time(f.ns(tsRaw))
			r.lastTS = ts
		}
		if wireLen < capLen {
			r.warnOnce(warnCapWire, fmt.Sprintf("captured length %d exceeds the wire length %d", capLen, wireLen))
		}
		o, err := r.fill(b, int(capLen), limit, recStart)
		if err != nil {
			return err
		}
		// Padding and options, then the trailing copy of the length.
		skip := int(room - capLen)
		n, err := r.br.Discard(skip)
		r.off += int64(n)
		if err == nil {
			var t []byte
			t, err = r.br.Peek(4)
			if err == nil {
				if tl := r.u32(t); tl != blen {
					b.Buf = b.Buf[:o]
					return r.formatErr(r.rec, fmt.Sprintf("packet block: trailing length %d differs from the leading length %d", tl, blen))
				}
				r.br.Discard(4)
				r.off += 4
			}
		}
		if err != nil {
			b.Buf = b.Buf[:o]
			return r.cut(err, recStart, "the end of a packet block", n, skip+4)
		}
		b.Pkts = append(b.Pkts, Pkt{TS: ts, CapLen: capLen, WireLen: wireLen, Off: uint32(o), LinkType: f.linkType, File: file})
		return nil
	}
}
