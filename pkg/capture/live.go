package capture

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/google/gopacket/pcap"
)

// Live defaults (T2: -S 65535, -B 0x2000000).
const (
	defaultSnapLen    = 65535
	defaultBufferSize = 33554432
	defaultTimeout    = 100 * time.Millisecond
)

type liveSource struct {
	o       Options
	h       *pcap.Handle
	info    Info
	timeout time.Duration
	limit   int
	carry   carried // a packet that did not fit in the last batch

	liveState // closed flag and sampled counters (Stats)
}

// OpenLive captures on a network interface with libpcap: promiscuous as
// Options.Promisc says, snaplen, rx buffer, read timeout, nanosecond timestamps when the platform offers them (gopacket asks for
// them), and the BPF filter installed in the kernel.
func OpenLive(iface string, o Options) (Source, error) {
	if o.SnapLen <= 0 {
		o.SnapLen = defaultSnapLen
	}
	if o.BufferSize <= 0 {
		o.BufferSize = defaultBufferSize
	}
	if o.Timeout <= 0 {
		o.Timeout = defaultTimeout
	}
	in, err := pcap.NewInactiveHandle(iface)
	if err != nil {
		return nil, fmt.Errorf("Failed to open interface '%s': %w", iface, err)
	}
	defer in.CleanUp()
	for _, set := range []struct {
		what string
		err  error
	}{
		{"snapshot length", in.SetSnapLen(o.SnapLen)},
		{"promiscuous mode", in.SetPromisc(o.Promisc)},
		{"rx buffer size", in.SetBufferSize(o.BufferSize)},
		{"read timeout", in.SetTimeout(o.Timeout)},
		// No immediate mode: on Linux it switches libpcap to TPACKET_V2,
		// whose ring has one snaplen-sized slot per packet (about 500
		// slots in 32 MiB), and a burst overflows it. TPACKET_V3 packs
		// packets into blocks; the read timeout bounds the latency.
	} {
		if set.err != nil {
			return nil, fmt.Errorf("Failed to set the %s on interface '%s': %w", set.what, iface, set.err)
		}
	}
	h, err := in.Activate()
	if err != nil {
		return nil, fmt.Errorf("Failed to open interface '%s': %w", iface, err)
	}
	if o.BPF != "" {
		if err := h.SetBPFFilter(o.BPF); err != nil {
			h.Close()
			return nil, fmt.Errorf("invalid BPF filter '%s' on interface '%s': %w", o.BPF, iface, err)
		}
	}
	s := &liveSource{o: o, h: h, timeout: o.Timeout, limit: o.maxBytes(),
		carry: carried{data: make([]byte, 0, max(o.SnapLen, maxRecord))}}
	s.info = Info{Kind: KindLive, Name: iface, File: iface, FileIndex: 1, Files: 1,
		LinkType: uint16(h.LinkType()), SnapLen: uint32(o.SnapLen)}
	return s, nil
}

// Read copies packets out of libpcap's buffer into b. It returns when max
// packets were read, when the byte budget is reached, when the read
// timeout expires with nothing new (also with 0 packets, nil error), or
// when packets have been collected for longer than the timeout, so a slow
// trickle is still handed over promptly. A closed Stop channel gives io.EOF.
func (s *liveSource) Read(b *Batch, max int) error {
	defer s.sampleStats()
	max = atLeastOne(max)
	n := s.carry.put(b, s.limit)
	var start time.Time
	for n < max {
		if s.o.stopped() {
			return io.EOF
		}
		data, ci, err := s.h.ZeroCopyReadPacketData()
		switch {
		case err == nil:
		case errors.Is(err, pcap.NextErrorTimeoutExpired):
			return nil
		case err == io.EOF:
			return io.EOF
		default:
			if s.isClosed() {
				return io.EOF
			}
			return fmt.Errorf("live capture on '%s': %w", s.info.Name, err)
		}
		p := Pkt{TS: packetTime(ci.Timestamp), CapLen: uint32(len(data)), WireLen: uint32(ci.Length), LinkType: s.info.LinkType}
		if len(b.Pkts) > 0 && len(b.Buf)+len(data) > s.limit {
			s.carry.data = append(s.carry.data[:0], data...)
			s.carry.hold(p)
			return nil
		}
		o := reserve(b, len(data), s.limit)
		copy(b.Buf[o:], data)
		p.Off = uint32(o)
		b.Pkts = append(b.Pkts, p)
		n++
		if n == 1 {
			start = time.Now()
		} else if time.Since(start) >= s.timeout {
			return nil
		}
	}
	return nil
}

func (s *liveSource) Info() Info { return s.info }

// sampleStats reads libpcap's counters into s.last.
func (s *liveSource) sampleStats() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		if st, err := s.h.Stats(); err == nil {
			s.last = Stats{Received: uint64(uint32(st.PacketsReceived)), Dropped: uint64(uint32(st.PacketsDropped)), IfDropped: uint64(uint32(st.PacketsIfDropped))}
		}
	}
}

// Close stops the capture; a Read blocked in libpcap returns io.EOF.
func (s *liveSource) Close() error {
	s.sampleStats()
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.h.Close()
	return nil
}
