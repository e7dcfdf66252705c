package ipfix

import (
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"
)

// Options configure an Exporter.
type Options struct {
	Format Format
	// Domain is the observation domain ID (NetFlow v9: source ID).
	Domain uint32
	// MTU bounds the size of one message in bytes (UDP payload).
	MTU int
	// Biflow exports one RFC 5103 biflow record per flow pair (IPFIX).
	Biflow bool
	// TemplateEvery re-sends the templates when this much time passed
	// since they were last sent (RFC 7011 section 8.4: templates over UDP
	// are refreshed periodically). Zero means 10 minutes.
	TemplateEvery time.Duration
	// Queue is the number of records that may wait for the sender; when it
	// is full, new records are dropped and counted (the analysis never
	// waits for the network). Zero means 65536.
	Queue int
}

// Stats count what happened to the records given to Export.
type Stats struct {
	Sent     uint64 // records in messages the kernel accepted
	Dropped  uint64 // records dropped because the queue was full
	Failed   uint64 // records in messages whose send failed
	Messages uint64 // messages sent
	LastErr  error  // the last send error, if any
}

// Undelivered is the number of records that did not leave this host.
func (s Stats) Undelivered() uint64 { return s.Dropped + s.Failed }

// Exporter sends records to one collector from its own goroutine.
type Exporter struct {
	conn  net.Conn
	enc   *Encoder
	opts  Options
	queue chan Record
	done  chan struct{}

	mu    sync.Mutex
	stats Stats

	lastTmpl time.Time
	now      func() time.Time
}

// ParseAddr checks a "host:port" collector address and returns it in the
// form net.Dial takes.
func ParseAddr(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("collector address %q: want HOST:PORT", addr)
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 1 || p > 65535 {
		return "", fmt.Errorf("collector address %q: port %q is not in [1 - 65535]", addr, port)
	}
	if host == "" {
		return "", fmt.Errorf("collector address %q: no host", addr)
	}
	return net.JoinHostPort(host, port), nil
}

// Dial connects a UDP socket to the collector at addr and starts the
// sender. Nothing is sent until the first record.
func Dial(addr string, opts Options) (*Exporter, error) {
	a, err := ParseAddr(addr)
	if err != nil {
		return nil, err
	}
	if opts.MTU == 0 {
		opts.MTU = 1400
	}
	if opts.TemplateEvery <= 0 {
		opts.TemplateEvery = 10 * time.Minute
	}
	if opts.Queue <= 0 {
		opts.Queue = 1 << 16
	}
	enc, err := NewEncoder(opts.Format, opts.Domain, opts.MTU, opts.Biflow)
	if err != nil {
		return nil, err
	}
	conn, err := net.Dial("udp", a)
	if err != nil {
		return nil, fmt.Errorf("collector %s: %w", addr, err)
	}
	x := &Exporter{
		conn: conn, enc: enc, opts: opts,
		queue: make(chan Record, opts.Queue),
		done:  make(chan struct{}),
		now:   time.Now,
	}
	go x.run()
	return x, nil
}

// Export queues r without waiting; it returns false when the queue is
// full and r was dropped. It must not be called after Close.
func (x *Exporter) Export(r *Record) bool {
	select {
	case x.queue <- *r:
		return true
	default:
		x.mu.Lock()
		x.stats.Dropped++
		x.mu.Unlock()
		return false
	}
}

// Close sends what is queued, stops the sender and returns the totals.
func (x *Exporter) Close() Stats {
	close(x.queue)
	<-x.done
	x.conn.Close()
	return x.Stats()
}

// Stats returns the counts so far.
func (x *Exporter) Stats() Stats {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.stats
}

func (x *Exporter) run() {
	defer close(x.done)
	for r := range x.queue {
		x.add(&r)
		// Send when nothing else is waiting, so a quiet link does not
		// keep records back; under load messages fill up to the MTU.
		if len(x.queue) == 0 {
			x.flush()
		}
	}
	x.flush()
}

func (x *Exporter) add(r *Record) {
	now := x.now()
	if x.lastTmpl.IsZero() || now.Sub(x.lastTmpl) >= x.opts.TemplateEvery {
		x.flush()
		x.enc.AddTemplates()
		x.lastTmpl = now
	}
	if !x.enc.Fits(r) {
		x.flush()
	}
	x.enc.Add(r)
}

func (x *Exporter) flush() {
	if !x.enc.Pending() {
		return
	}
	n := uint64(x.enc.Records())
	msg := x.enc.Take(x.now())
	_, err := x.conn.Write(msg)
	x.mu.Lock()
	defer x.mu.Unlock()
	if err != nil {
		x.stats.Failed += n
		x.stats.LastErr = err
		// The collector may have lost the templates too (it was down or
		// restarted): send them again with the next message.
		x.lastTmpl = time.Time{}
		return
	}
	x.stats.Sent += n
	x.stats.Messages++
}
