package dnsdecode

import "encoding/binary"

// question is one entry of the question lists.
type question struct {
	name          []byte
	qtype, qclass uint16
}

// rr is one entry of the record lists (answer, authority, additional).
type rr struct {
	name, pname         []byte
	ip4                 [4]byte
	ip6                 [16]byte
	rtype, rclass       uint16
	ttl                 uint32
	mx, prio, wgt, port uint16
	opt                 uint32
}

// clear zeroes the record's values but keeps its names: like T2, a
// record that has no name (the root, OPT) or no target leaves the names
// of the entry it overwrites in place, which shows in the last entry of a
// full list (entries before it are written once, into empty names).
func (r *rr) clear() {
	n, p := r.name, r.pname
	*r = rr{name: n, pname: p}
}

// setName replaces *dst by the non-empty name src.
func setName(dst *[]byte, src []byte) {
	if len(src) > 0 {
		*dst = append((*dst)[:0], src...)
	}
}

// limits are the configured list sizes and decoding depth.
type limits struct {
	mode       int // DNS_MODE: 0 header, 1 +questions, 2 +answers, 3 +authority, 4 +additional
	qmax, amax int // DNS_QRECMAX, DNS_ARECMAX
}

func defaultLimits() limits { return limits{mode: 4, qmax: 15, amax: 20} }

// slots is T2's bounded list discipline, shared by the question and the
// record lists: entries go to index n while n < max-1; from then on the
// last index is overwritten by every further entry and the full bit is
// set. Once n reaches max-1 the list prints max entries, the last one
// empty until some entry was written there.
type slots struct {
	n        int  // next index (never above max-1)
	lastUsed bool // index max-1 holds an entry
}

// next returns the index for a new entry and whether the list became or
// was full.
func (s *slots) next(max int) (int, bool) {
	i := s.n
	if s.n < max-1 {
		s.n++
		return i, false
	}
	s.lastUsed = true
	return i, true
}

// count is how many entries print; phantom tells that the last one is
// an unwritten, empty entry.
func (s *slots) count(max int) (n int, phantom bool) {
	if s.n >= max-1 && max > 0 {
		return max, !s.lastUsed
	}
	return s.n, false
}

// state is what dnsDecode keeps for one DNS flow. States are pooled;
// their buffers keep their capacity, so steady-state traffic does not
// allocate.
type state struct {
	stat      uint16
	hdrOp     uint16 // flags word of the last message
	hflg      uint8
	opc, retc uint16
	cnt       [4]uint16 // QD, AN, NS, AR sums (16 bits, as T2)
	respLen   uint64    // bytes of response messages
	respHQ    uint64    // bytes of their header + question sections
	seenA     bool      // an A type (question or record) occurred
	seen6     bool      // an AAAA type occurred
	netbios   bool      // port 137: decode NetBIOS names

	qs    []question
	qn    slots
	rs    []rr
	rn    slots
	tcp   *tcpStream // the flow's TCP reassembly; nil for UDP flows
	spare *tcpStream // a pooled state's stream, kept for its buffer
	dead  bool       // TCP: decoding stopped (no SYN, gap)
}

// nameRoom is the initial capacity of each name buffer; longer names
// (up to maxNameLen) grow their own buffer once.
const nameRoom = 48

// newState allocates a state with its lists and one backing array for
// all initial name buffers (three allocations instead of one per name).
func newState(l limits) *state {
	s := &state{qs: make([]question, l.qmax), rs: make([]rr, l.amax)}
	back := make([]byte, (l.qmax+2*l.amax)*nameRoom)
	next := func() []byte {
		b := back[:0:nameRoom]
		back = back[nameRoom:]
		return b
	}
	for i := range s.qs {
		s.qs[i].name = next()
	}
	for i := range s.rs {
		s.rs[i].name = next()
		s.rs[i].pname = next()
	}
	return s
}

func (s *state) reset() {
	qs, rs, spare := s.qs, s.rs, s.spare
	for i := range qs {
		qs[i] = question{name: qs[i].name[:0]}
	}
	for i := range rs[:s.rn.n+1] {
		rs[i] = rr{name: rs[i].name[:0], pname: rs[i].pname[:0]}
	}
	*s = state{qs: qs, rs: rs, spare: spare}
	if spare != nil {
		spare.reset()
	}
}

// pktInfo is what this packet's message showed, for the packet file.
type pktInfo struct {
	num   uint64 // packet number these values belong to; 0 = none
	seen  bool   // a message header was read
	flags uint16
	cnt   [4]uint16
	ips   []ipEntry
}

type ipEntry struct {
	ver  uint8
	addr [16]byte
}

// parser decodes messages into a flow state. It is the pure part of
// the plugin: no flow table, no output.
type parser struct {
	lim          limits
	pkt          pktInfo
	name, target []byte // scratch names of the record being decoded
	// Counters for the end report.
	dnsPkts, qPkts, rPkts uint64
}

// message decodes one DNS message m of flow state s; udp selects the UDP
// length check.
func (p *parser) message(s *state, m []byte, udp bool) {
	if len(m) < minMessageLen {
		s.stat |= StatCorrupt | StatShort
		return
	}
	if udp && len(m) > maxUDPLen {
		s.stat |= StatLongUDP
	}
	h := parseHeader(m)
	p.dnsPkts++
	if h.response {
		p.rPkts++
	} else {
		p.qPkts++
	}
	s.hdrOp = h.flags
	s.hflg |= h.hflg()
	s.opc |= 1 << h.opcode
	s.retc |= 1 << h.rcode
	s.cnt[0] += h.qd
	s.cnt[1] += h.an
	s.cnt[2] += h.ns
	s.cnt[3] += h.ar
	pk := &p.pkt
	pk.seen, pk.flags = true, h.flags
	pk.cnt = [4]uint16{h.qd, h.an, h.ns, h.ar}
	if !h.sane(len(m)) {
		s.stat |= StatCorrupt
		return
	}

	p.fullCheck(s)
	off := 12
	s.qn = slots{}
	ok := true
	for i := 0; i < int(h.qd); i++ {
		var q *question
		var name []byte
		if p.lim.mode >= 1 {
			idx, full := s.qn.next(p.lim.qmax)
			if full {
				s.stat |= StatQFull
			}
			q = &s.qs[idx]
			name = q.name[:0]
		}
		var st uint16
		name, off, st = readName(name, m, off)
		s.stat |= st
		if st&StatOverrun != 0 || off+4 > len(m) {
			s.stat |= StatOverrun
			ok = false
			if q != nil {
				q.name, q.qtype, q.qclass = name, 0, 0
			}
			break
		}
		qtype := binary.BigEndian.Uint16(m[off:])
		qclass := binary.BigEndian.Uint16(m[off+2:])
		off += 4
		s.typeSeen(qtype)
		switch qtype {
		case typeIXFR:
			s.stat |= StatIXFR
		case typeAXFR:
			s.stat |= StatAXFR
		}
		if q != nil {
			if s.netbios {
				name = decodeNetBIOS(name)
			}
			q.name, q.qtype, q.qclass = name, qtype, qclass&0x7fff
		}
	}
	if h.response {
		s.respLen += uint64(len(m))
		s.respHQ += uint64(min(off, len(m)))
	}
	if !ok || p.lim.mode < 2 {
		return
	}
	sections := [3]uint16{h.an, h.ns, h.ar}
	for sec := 0; sec < p.lim.mode-1 && sec < 3; sec++ {
		if sections[sec] > 0 {
			p.fullCheck(s)
		}
		for i := 0; i < int(sections[sec]); i++ {
			if off, ok = p.record(s, m, off); !ok {
				return
			}
		}
	}
}

// fullCheck sets StatAFull when the record list is full. As in T2, this
// is checked when a message starts and when a non-empty record section
// starts, not for each record: the records of one message that overwrite
// the last entry do not by themselves set the bit.
func (p *parser) fullCheck(s *state) {
	if s.rn.n >= p.lim.amax-1 {
		s.stat |= StatAFull
	}
}

// typeSeen notes the types that make the address lists print.
func (s *state) typeSeen(t uint16) {
	switch t {
	case typeA:
		s.seenA = true
	case typeAAAA:
		s.seen6 = true
	case typeANY:
		s.stat |= StatANY
	}
}

// record decodes the resource record at off and returns the offset of
// the next one; ok is false when the message cannot be read further.
func (p *parser) record(s *state, m []byte, off int) (int, bool) {
	idx, _ := s.rn.next(p.lim.amax)
	r := &s.rs[idx]
	r.clear()
	var st uint16
	var name []byte
	name, off, st = readName(p.name[:0], m, off)
	p.name = name
	s.stat |= st
	if s.netbios {
		name = decodeNetBIOS(name)
	}
	setName(&r.name, name)
	if st&StatOverrun != 0 || off+10 > len(m) {
		s.stat |= StatOverrun
		return off, false
	}
	r.rtype = binary.BigEndian.Uint16(m[off:])
	r.rclass = binary.BigEndian.Uint16(m[off+2:]) & 0x7fff
	r.ttl = binary.BigEndian.Uint32(m[off+4:])
	rdlen := int(binary.BigEndian.Uint16(m[off+8:]))
	rd := off + 10
	end := rd + rdlen
	if end > len(m) {
		s.stat |= StatOverrun
		return end, false
	}
	data := m[rd:end]
	s.typeSeen(r.rtype)
	p.target = p.rdata(s, r, m, rd, data)
	setName(&r.pname, p.target)
	return end, true
}

// rdata decodes the record data of r (data = m[rd:rd+rdlength]) and
// returns its target name or text, appended to p.target[:0].
func (p *parser) rdata(s *state, r *rr, m []byte, rd int, data []byte) []byte {
	target := p.target[:0]
	var st uint16
	switch r.rtype {
	case typeA, typeNB:
		a := data
		if r.rtype == typeNB && len(a) >= 6 {
			a = a[2:] // NB flags, then the address
			s.seenA = true
		}
		if len(a) >= 4 {
			copy(r.ip4[:], a)
			p.addIP(4, a[:4])
		}
	case typeAAAA:
		if len(data) >= 16 {
			copy(r.ip6[:], data)
			p.addIP(6, data[:16])
		}
	case typeNS, typeCNAME, typePTR, typeSOA:
		// SOA: the primary name server (MNAME); the record takes one slot.
		target, _, st = readName(target, m, rd)
		s.stat |= st
	case typeMX:
		if len(data) >= 2 {
			r.mx = binary.BigEndian.Uint16(data)
			target, _, st = readName(target, m, rd+2)
			s.stat |= st
		}
	case typeSRV:
		if len(data) >= 6 {
			r.prio = binary.BigEndian.Uint16(data)
			r.wgt = binary.BigEndian.Uint16(data[2:])
			r.port = binary.BigEndian.Uint16(data[4:])
			target, _, st = readName(target, m, rd+6)
			s.stat |= st
		}
	case typeRRSIG:
		if len(data) >= 18 { // the signer's name follows 18 fixed bytes
			target, _, st = readName(target, m, rd+18)
			s.stat |= st
		}
	case typeTXT:
		// The character-strings, concatenated (cut at maxNameLen).
		for i := 0; i < len(data); {
			l := int(data[i])
			i++
			if i+l > len(data) {
				s.stat |= StatOverrun
				l = len(data) - i
			}
			room := maxNameLen - len(target)
			target = append(target, data[i:i+min(l, room)]...)
			i += l
		}
	case typeOPT:
		// EDNS: the class is the UDP payload size and the TTL field holds
		// the extended rcode, version and flags.
		r.opt, r.rclass, r.ttl = r.ttl, 0, 0
	case typeANY:
	default:
		s.stat |= StatUnknown
	}
	return target
}

// addIP records an address of this packet's message (packet file).
func (p *parser) addIP(ver uint8, a []byte) {
	if len(p.pkt.ips) == cap(p.pkt.ips) {
		return
	}
	e := ipEntry{ver: ver}
	copy(e.addr[:], a)
	p.pkt.ips = append(p.pkt.ips, e)
}
