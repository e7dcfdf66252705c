package capture

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
