package capture

import (
	"io"
	"os"
	"runtime/debug"
	"sync"
	"syscall"
	"time"

	"github.com/t2go/t2go/pkg/packet"
)

// Source delivers packets in batches. Read resets nothing: the caller calls
// b.Reset() before Read.
type Source interface {
	// Read appends up to max packets to b (stopping earlier when b.Buf
	// would exceed the byte budget, Options.MaxBytes, default 1 MiB).
	// It returns io.EOF when the input is exhausted (b may still hold the
	// last packets). Live and -D sources return after the read timeout
	// (poll interval) even with 0 packets and a nil error, so the caller
	// can do idle work. A damaged file yields the good packets read before
	// the damage and then a *FormatError.
	Read(b *Batch, max int) error
	Info() Info           // current input, for report lines
	Stats() (Stats, bool) // live counters (ps_recv, ps_drop, ps_ifdrop) when live
	Close() error
}

// Kind is the input mode.
type Kind int

// Input modes (T2's -r FILE, -r -, -R, -D and -i).
const (
	KindFile Kind = iota
	KindStdin
	KindList
	KindSeries
	KindLive
)

// Info describes the current input.
type Info struct {
	Kind      Kind
	Name      string // -r path, list file, -D expression, or interface
	File      string // file being read now
	FileIndex int    // 1-based index in a list (and in the series of opened -D files)
	FileCount int    // files in a list (1 for -r, 0 for -D and live)
	LinkType  uint16 // of the current file/interface (first interface for pcapng)
	SnapLen   uint32
	TotalSize int64 // size in bytes of all inputs (0 when unknown: stdin, live, -D)
	FileSize  int64 // size of the current file
	Pcapng    bool
	Files     int // files opened so far (for the 24-bytes-per-file percentage rule)
}

// Stats are libpcap's cumulative counters of a live capture.
type Stats struct{ Received, Dropped, IfDropped uint64 }

// Options configure every source; the zero value gives T2's defaults.
type Options struct {
	BPF          string        // filter applied to every packet (files too)
	SnapLen      int           // live; default 65535
	BufferSize   int           // live rx buffer, default 33554432
	Promisc      bool          // live (T2 always captures promiscuously; the analyzer sets it)
	Timeout      time.Duration // live read timeout (default 100ms), also the idle wake-up period
	PollInterval time.Duration // -D: wait between tries for the next file (default 5s, T2's POLLTM)
	FileTimeout  time.Duration // -D: skip to the next number after this long (MFPTMOUT, 0 = never)
	RoundRobin   bool          // -D: wrap to the start number after STOP (RROP)
	// OnFile is called whenever a new file is opened, before its packets
	// are returned: for the first file inside OpenFile/OpenList/OpenSeries
	// (for -D when it already exists), for later ones inside Read (so on
	// Read's goroutine, while earlier batches may still be processed:
	// Pkt.File tells where in the stream the switch happens). Not called
	// for live interfaces.
	OnFile   func(Info)
	Warn     func(msg string)
	Stop     <-chan struct{} // closed when the analyzer wants to stop: waiting -D / live reads return io.EOF
	MaxBytes int             // batch byte budget, default 1 MiB
}

func (o *Options) maxBytes() int {
	if o.MaxBytes > 0 {
		return o.MaxBytes
	}
	return defaultMaxBytes
}

func (o *Options) warn(msg string) {
	if o.Warn != nil {
		o.Warn(msg)
	}
}

func (o *Options) stopped() bool {
	if o.Stop == nil {
		return false
	}
	select {
	case <-o.Stop:
		return true
	default:
		return false
	}
}

// openedFile is a capture file whose header was checked.
type openedFile struct {
	f     *os.File
	r     *reader
	size  int64
	name  string
	index int // 1-based position in a list (0: count opened files)
}

func (of *openedFile) close() {
	of.r.close()
	if of.f != os.Stdin {
		of.f.Close()
	}
}

// openCapture opens path ("-" = stdin) and checks its header.
func openCapture(path string, o *Options) (*openedFile, error) {
	var f *os.File
	var size int64
	name := path
	if path == "-" {
		f = os.Stdin
	} else {
		var err error
		f, err = os.Open(path)
		if err != nil {
			return nil, &FileError{File: path, Reason: ErrOpen, Err: err}
		}
		if st, err := f.Stat(); err == nil {
			if st.IsDir() {
				f.Close()
				return nil, &FileError{File: path, Reason: ErrOpen, Err: syscall.EISDIR}
			}
			size = st.Size()
		} else {
			o.warn("Cannot get complete file stats for '" + path + "': " + strerror(err))
		}
	}
	r, err := newReader(f, name, o.Warn)
	if err != nil {
		if f != os.Stdin {
			f.Close()
		}
		return nil, err
	}
	return &openedFile{f: f, r: r, size: size, name: path}, nil
}

// fileSource reads one file or a sequence of files as one packet stream.
type fileSource struct {
	o Options
	// info is written by Read's goroutine when a file starts and read by
	// Info from any goroutine (reports): infoMu guards that pair.
	infoMu sync.Mutex
	info   Info
	f      *os.File
	r      *reader
	filter *filterSet
	// nextFile opens the next input; it returns (nil, nil) when there is
	// none yet but may be later (-D), io.EOF when the input is over.
	nextFile func() (*openedFile, error)
	fileNo   uint16
	opened   bool
	done     bool
	closed   bool
	// maps of the files read so far: unmapped by Close only, as batches
	// still being processed point into them after their file ended.
	maps []*mapping
}

// OpenFile opens one capture file: pcap (us/ns, either byte order) or
// pcapng, plain or gzipped (by magic, also on stdin). "-" reads stdin.
// Header problems are returned as a *FileError with T2's texts.
func OpenFile(path string, o Options) (Source, error) {
	fs, err := newFileSource(o)
	if err != nil {
		return nil, err
	}
	fs.info = Info{Kind: KindFile, Name: path, FileCount: 1}
	if path == "-" {
		fs.info.Kind = KindStdin
	}
	of, err := openCapture(path, &fs.o)
	if err != nil {
		return nil, err
	}
	if fs.filter != nil {
		// A bad filter is reported at open, not at the first packet.
		if _, err := fs.filter.prog(of.r.linkType); err != nil {
			of.close()
			return nil, err
		}
	}
	fs.info.TotalSize = of.size
	fs.setFile(of)
	fs.nextFile = func() (*openedFile, error) { return nil, io.EOF }
	fs.announce()
	return fs, nil
}

func newFileSource(o Options) (*fileSource, error) {
	return &fileSource{o: o, filter: newFilterSet(o.BPF)}, nil
}

// setFile makes of the current input; announce then calls OnFile: for
// the first file inside Open*, on the caller's goroutine, for later files
// inside Read, right before their first packet is appended.
func (s *fileSource) setFile(of *openedFile) {
	s.infoMu.Lock()
	defer s.infoMu.Unlock()
	s.f, s.r = of.f, of.r
	// The file is read from now on: map it if it is a plain pcap file
	// (not when it was only opened to check it, as -R does up front).
	if of.f != nil {
		switch fileReadMode(of.f, of.r, of.size) {
		case readDirect:
			of.r.startDirect(of.f)
		case readMapped:
			if m := mapFile(of.f, of.size, of.name); m != nil {
				of.r.mm, of.r.mpos, of.r.file = m, int(of.r.off), of.f
				s.maps = append(s.maps, m)
			}
		}
	}
	s.opened = false
	s.info.File = of.name
	s.info.FileSize = of.size
	s.info.LinkType = of.r.linkType
	s.info.SnapLen = of.r.snapLen
	s.info.Pcapng = of.r.ng
	s.info.Files++
	s.info.FileIndex = s.info.Files
	if of.index > 0 {
		s.info.FileIndex = of.index
	}
	s.fileNo = uint16(s.info.FileIndex - 1)
}

func (s *fileSource) announce() {
	if !s.opened {
		s.opened = true
		if s.o.OnFile != nil {
			s.o.OnFile(s.info)
		}
	}
}

func (s *fileSource) closeFile() {
	if s.r != nil {
		s.r.close()
		s.r = nil
	}
	if s.f != nil && s.f != os.Stdin {
		s.f.Close()
	}
	s.f = nil
}

func (s *fileSource) Read(b *Batch, max int) error {
	err := s.read(b, max)
	if s.r != nil {
		s.r.parkDirect(b)
	}
	return err
}

func (s *fileSource) read(b *Batch, max int) (err error) {
	if s.closed {
		return os.ErrClosed
	}
	if len(s.maps) > 0 {
		// A mapped file truncated by someone else faults on access:
		// make that an error of this file, not a crash.
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		defer func() {
			if r := recover(); r != nil {
				ferr := MemoryFault(r)
				if ferr == nil {
					panic(r)
				}
				b.Pkts = b.Pkts[:0]
				file := s.info.File
				s.closeFile()
				if s.info.Kind == KindFile || s.info.Kind == KindStdin {
					s.done = true
				}
				err = &FileError{File: file, Reason: ErrRead, Err: ferr}
			}
		}()
	}
	limit := s.o.maxBytes()
	max = atLeastOne(max)
	n := 0
	for n < max {
		if s.r == nil {
			if s.done {
				return io.EOF
			}
			if n > 0 {
				// Hand over what we have before opening (or waiting for)
				// the next file, so OnFile precedes that file's packets.
				return nil
			}
			of, err := s.nextFile()
			if err == io.EOF {
				s.done = true
				return io.EOF
			}
			if err != nil {
				return err
			}
			if of == nil {
				return nil // -D: next file not there yet
			}
			s.setFile(of)
		}
		s.announce()
		err := s.r.next(b, s.fileNo, limit)
		switch err {
		case nil:
		case errFull:
			return nil
		case io.EOF:
			s.closeFile()
			continue
		default:
			// The damaged file is abandoned; a list or series goes on with
			// the next file at the next Read.
			s.closeFile()
			if s.info.Kind == KindFile || s.info.Kind == KindStdin {
				s.done = true
			}
			return err
		}
		if s.filter == nil {
			// The file's next records, when already read and plain,
			// in one go.
			n += s.r.directRun(b, s.fileNo, limit, max-n-1)
		} else {
			i := len(b.Pkts) - 1
			p := &b.Pkts[i]
			ok, err := s.filter.match(p, b.Data(i))
			if err != nil {
				b.drop(i)
				return err
			}
			if !ok {
				b.drop(i)
				continue
			}
		}
		n++
	}
	return nil
}

func (s *fileSource) Info() Info {
	s.infoMu.Lock()
	defer s.infoMu.Unlock()
	return s.info
}

func (s *fileSource) Stats() (Stats, bool) { return Stats{}, false }

// Close closes the input. With mapped files it must come after the last
// batch was processed: their packets point into the mappings.
func (s *fileSource) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	s.closeFile()
	for _, m := range s.maps {
		m.unmap()
	}
	s.maps = nil
	return nil
}

func packetTime(t time.Time) packet.Time { return packet.Time(t.UnixNano()) }

// atLeastOne guards against a max <= 0, which would make Read return
// nothing forever.
func atLeastOne(max int) int {
	if max < 1 {
		return 1
	}
	return max
}
