// The parts the libpcap and AF_PACKET live sources share.

package capture

import "sync"

// carried is a packet that did not fit in the previous batch of a live
// source; it opens the next batch.
type carried struct {
	data []byte
	pkt  Pkt
	has  bool
}

// hold marks p as carried; its bytes are in c.data (the caller appends
// them to c.data[:0], so the buffer is reused).
func (c *carried) hold(p Pkt) { c.pkt, c.has = p, true }

// put moves the carried packet, if any, into b and returns 1, else 0.
func (c *carried) put(b *Batch, limit int) int {
	if !c.has {
		return 0
	}
	c.has = false
	o := reserve(b, len(c.data), limit)
	copy(b.Buf[o:], c.data)
	p := c.pkt
	p.Off = uint32(o)
	b.Pkts = append(b.Pkts, p)
	return 1
}

// liveState is what both live sources guard with one mutex: whether the
// source was closed, and the capture counters last sampled on the
// reading goroutine (handles are not safe for concurrent use, so reports
// read the sample, not the handle).
type liveState struct {
	mu     sync.Mutex
	closed bool
	last   Stats
}

func (l *liveState) isClosed() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.closed
}

// Stats returns the counters as sampled at the end of the latest Read
// (at most one read timeout old) or by Close.
func (l *liveState) Stats() (Stats, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.last, true
}
