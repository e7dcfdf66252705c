package txtsink

import (
	"os"
	"sync"
)

// Flow-file writes go through a writer goroutine so that the write
// system calls (a large part of a run that writes a big flow file) run on
// another core than the packet loop. The packet goroutine fills a chunk;
// a full chunk goes to the writer, which writes it and hands it back.
// Chunks are written in the order they were filled, and close waits for
// every chunk to be written, so the file is complete when close returns.
const (
	chunkSize = 256 << 10
	numChunks = 8 // chunks in flight: bounds memory to about numChunks*chunkSize
)

type asyncFile struct {
	f    *os.File
	cur  []byte      // chunk being filled (packet goroutine only)
	full chan []byte // filled chunks, in file order
	free chan []byte // written chunks, ready for reuse
	done chan struct{}

	mu  sync.Mutex
	err error // first write error of the writer goroutine
}

func newAsyncFile(f *os.File) *asyncFile {
	a := &asyncFile{
		f:    f,
		full: make(chan []byte, numChunks),
		free: make(chan []byte, numChunks),
		done: make(chan struct{}),
	}
	for i := 0; i < numChunks-1; i++ {
		a.free <- make([]byte, 0, chunkSize)
	}
	a.cur = make([]byte, 0, chunkSize)
	go a.run()
	return a
}

// run writes chunks until full is closed. After an error it keeps
// draining (and recycling) chunks so the producer never blocks.
func (a *asyncFile) run() {
	defer close(a.done)
	for b := range a.full {
		if a.failed() == nil {
			if _, err := a.f.Write(b); err != nil {
				a.mu.Lock()
				a.err = err
				a.mu.Unlock()
			}
		}
		a.free <- b[:0]
	}
}

func (a *asyncFile) failed() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.err
}

// writeLine appends line and a newline. The error is the writer's first
// error, seen when a chunk is handed over.
func (a *asyncFile) writeLine(line []byte) error {
	a.cur = append(a.cur, line...)
	a.cur = append(a.cur, '\n')
	if len(a.cur) >= chunkSize {
		return a.handOff()
	}
	return nil
}

func (a *asyncFile) write(b []byte) error {
	if len(a.cur) > 0 && len(a.cur)+len(b) > cap(a.cur) {
		// Hand the chunk over rather than grow it (b may be many lines).
		if err := a.handOff(); err != nil {
			return err
		}
	}
	a.cur = append(a.cur, b...)
	if len(a.cur) >= chunkSize {
		return a.handOff()
	}
	return nil
}

func (a *asyncFile) handOff() error {
	a.full <- a.cur
	a.cur = <-a.free
	return a.failed()
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
