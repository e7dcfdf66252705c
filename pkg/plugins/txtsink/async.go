package txtsink

import (
	"errors"
	"os"
	"sync"
	"syscall"
	"unsafe"
)

// Flow-file writes go through a writer goroutine so that the write
// system calls (a large part of a run that writes a big flow file) run on
// another core than the packet loop. The producer fills a chunk; a full
// chunk goes to the writer, which writes it and hands it back. Chunks are
// written in the order they were filled, and close waits for every chunk
// to be written, so the file is complete when close returns.
//
// Where the file system allows it, a regular flow file is written with
// direct I/O (O_DIRECT): the disk reads the chunk from t2's memory
// instead of the kernel first copying it into the page cache. A flow file
// is written once and not read back by t2, and that copy was the largest
// single cost of a run that writes one (about 1 s of CPU for the 570 MB
// flow file of the 1 GB benchmark capture). Direct I/O needs the memory
// and every write aligned to the device's block: chunks are allocated
// aligned, are always handed over full (a multiple of directAlign bytes),
// and only the file's last, partial chunk is written through the page
// cache. A file system that refuses direct I/O (tmpfs, some network file
// systems) gets ordinary writes; so does every file when T2_NO_DIRECT is
// set.
const (
	chunkSize   = 1 << 20 // a multiple of directAlign
	numChunks   = 8       // chunks in flight (absorbs the disk's latency spikes): about numChunks*chunkSize of memory
	directAlign = 4096    // alignment of direct-I/O buffers, offsets and sizes
	// lendRoom is the capacity of a chunk past chunkSize: a producer
	// that borrows the chunk (lend) appends whole lines until it is
	// full, so the last line may run past chunkSize; what does goes to
	// the start of the next chunk.
	lendRoom = 64 << 10
)

type asyncFile struct {
	f    *os.File
	cur  []byte      // chunk being filled (producer only); cap(cur) == chunkSize+lendRoom
	full chan []byte // filled chunks, in file order
	free chan []byte // written chunks, ready for reuse
	done chan struct{}

	direct      bool  // writer goroutine only after newAsyncFile: O_DIRECT is on
	directBytes int64 // bytes written with direct I/O (writer goroutine; read after close)

	mu  sync.Mutex
	err error // first write error of the writer goroutine
}

// newAsyncFile starts the writer of f. With truncate set, the writer
// first truncates f (opened with outfile.CreateKeep) if it is a regular
// file, so that freeing a large old file's blocks does not hold up the
// start of the run.
func newAsyncFile(f *os.File, truncate bool) *asyncFile {
	a := &asyncFile{
		f:    f,
		full: make(chan []byte, numChunks),
		free: make(chan []byte, numChunks),
		done: make(chan struct{}),
	}
	regular := false
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		regular = true // not a device, a pipe or a socket (-w /dev/null)
	}
	truncate = truncate && regular
	if regular && os.Getenv("T2_NO_DIRECT") == "" {
		a.direct = setDirect(f, true) == nil
	}
	for i := 0; i < numChunks-1; i++ {
		a.free <- alignedChunk()
	}
	a.cur = alignedChunk()
	go a.run(truncate)
	return a
}

// alignedChunk returns an empty chunk of capacity chunkSize+lendRoom
// whose memory starts at a multiple of directAlign (Go does not move heap
// objects). Only its first chunkSize bytes are written out at a time.
func alignedChunk() []byte {
	b := make([]byte, chunkSize+lendRoom+directAlign)
	off := 0
	if r := int(uintptr(unsafe.Pointer(&b[0])) % directAlign); r != 0 {
		off = directAlign - r
	}
	return b[off : off : off+chunkSize+lendRoom]
}

// run writes chunks until full is closed. After an error it keeps
// draining (and recycling) chunks so the producer never blocks.
func (a *asyncFile) run(truncate bool) {
	defer close(a.done)
	if truncate {
		if err := a.f.Truncate(0); err != nil {
			a.mu.Lock()
			a.err = err
			a.mu.Unlock()
		}
	}
	for b := range a.full {
		if a.failed() == nil {
			if err := a.writeOut(b); err != nil {
				a.mu.Lock()
				a.err = err
				a.mu.Unlock()
			}
		}
		a.free <- b[:0]
	}
}

// writeOut writes one chunk. With direct I/O on, the aligned part goes
// straight to the disk; a partial tail (the file's end) or a file system
// that refuses direct writes (EINVAL) turns it off for the rest of the
// file, which the kernel allows at any offset.
func (a *asyncFile) writeOut(b []byte) error {
	if a.direct {
		var err error
		if n := len(b) &^ (directAlign - 1); n > 0 {
			var m int
			m, err = a.f.Write(b[:n])
			b = b[m:]
			a.directBytes += int64(m)
			if err != nil && !errors.Is(err, syscall.EINVAL) {
				return err
			}
		}
		if err != nil || len(b) > 0 { // refused, or the unaligned end
			a.direct = false
			if err := setDirect(a.f, false); err != nil {
				return err
			}
		}
	}
	if len(b) == 0 {
		return nil
	}
	_, err := a.f.Write(b)
	return err
}

func (a *asyncFile) failed() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.err
}

// writeLine appends line and a newline. The error is the writer's first
// error, seen when a chunk is handed over.
func (a *asyncFile) writeLine(line []byte) error {
	if err := a.write(line); err != nil {
		return err
	}
	if len(a.cur) < chunkSize {
		a.cur = append(a.cur, '\n')
		return a.handOffIfFull()
	}
	return a.write([]byte{'\n'})
}

// write appends b, handing over every chunk it fills. Chunks never grow,
// so each handed-over chunk is a whole, aligned chunkSize bytes.
func (a *asyncFile) write(b []byte) error {
	for len(b) > 0 {
		n := copy(a.cur[len(a.cur):chunkSize], b)
		a.cur = a.cur[:len(a.cur)+n]
		b = b[n:]
		if err := a.handOffIfFull(); err != nil {
			return err
		}
	}
	return nil
}

func (a *asyncFile) handOffIfFull() error {
	if len(a.cur) < chunkSize {
		return nil
	}
	a.full <- a.cur
	a.cur = <-a.free
	return a.failed()
}

// lend returns the chunk being filled, for the producer to append to
// directly: it gives the chunk back (giveBack) once its length is
// lendFull or more, and makes no other call before.
func (a *asyncFile) lend() []byte { return a.cur }

// lendFull is the length at which a lent chunk is to be given back.
const lendFull = chunkSize

// giveBack takes back the chunk of lend with the bytes appended to it.
// If the producer outgrew it (b is another array), the new bytes are
// copied in; else the full chunks in b are handed over, the bytes past
// them moved to the start of the next chunk.
func (a *asyncFile) giveBack(b []byte) error {
	cur := a.cur
	if cap(b) != cap(cur) || len(b) < len(cur) || unsafe.SliceData(b) != unsafe.SliceData(cur) {
		return a.write(b[len(cur):])
	}
	a.cur = b[:min(len(b), chunkSize)]
	rest := b[len(a.cur):]
	for {
		if err := a.handOffIfFull(); err != nil {
			return err
		}
		if len(rest) == 0 {
			return nil
		}
		n := copy(a.cur[len(a.cur):chunkSize], rest)
		a.cur = a.cur[:len(a.cur)+n]
		rest = rest[n:]
	}
}

// close writes what is left, waits for the writer and returns its first
// error. The file itself stays open.
func (a *asyncFile) close() error {
	if len(a.cur) > 0 {
		a.full <- a.cur
		a.cur = nil
	}
	close(a.full)
	<-a.done
	return a.failed()
}
