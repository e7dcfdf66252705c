//go:build linux

package capture

import (
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"
	"time"
	"unsafe"

	"github.com/google/gopacket/afpacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcap"
	"golang.org/x/sys/unix"
)

// FanoutAvailable reports whether OpenFanout works on this system.
const FanoutAvailable = true

// Ring geometry of each worker's TPACKET_V3 socket: blocks of 1 MiB hold
// packets back to back; frames only size the kernel's bookkeeping.
const (
	fanoutBlock     = 1 << 20
	fanoutFrame     = 1 << 16
	fanoutMinBlocks = 4
	// fanoutBlockTimeout: the kernel hands a block over after this long
	// even when it is not full (latency on a quiet link).
	fanoutBlockTimeout = 10 * time.Millisecond
)

// OpenFanout opens n AF_PACKET sockets (TPACKET_V3 rings) on iface that
// form one kernel fanout group: every packet reaches exactly one of them.
// The group's classic BPF program (fanoutProgram) sends every packet
// between two IP addresses, in both directions and fragmented or not, to
// the same socket, so a flow, its reverse flow and its fragments are
// always seen by one worker. Each socket gets Options.BufferSize bytes of
// ring, the BPF filter (compiled by libpcap for Ethernet; it also cuts
// packets to the snapshot length) and promiscuous mode.
func OpenFanout(iface string, n int, o Options) ([]Source, error) {
	if n < 1 {
		n = 1
	}
	if o.SnapLen <= 0 {
		o.SnapLen = defaultSnapLen
	}
	if o.BufferSize <= 0 {
		o.BufferSize = defaultBufferSize
	}
	if o.Timeout <= 0 {
		o.Timeout = defaultTimeout
	}
	if err := fanoutLinkCheck(iface); err != nil {
		return nil, err
	}
	if w := vlanWord(o.BPF); w != "" {
		return nil, fmt.Errorf("BPF filter '%s': '%s' needs libpcap, which sees the VLAN and MPLS tags the kernel takes off AF_PACKET sockets: run with one worker (-j 1)", o.BPF, w)
	}
	filter, err := pcap.CompileBPFFilter(layers.LinkTypeEthernet, o.SnapLen, o.BPF)
	if err != nil {
		return nil, fmt.Errorf("invalid BPF filter '%s' on interface '%s': %w", o.BPF, iface, err)
	}
	blocks := max(o.BufferSize/fanoutBlock, fanoutMinBlocks)
	var srcs []*fanoutSource
	fail := func(err error) ([]Source, error) {
		for _, s := range srcs {
			s.h.Close()
		}
		return nil, err
	}
	id := uint16(0)
	for i := 0; i < n; i++ {
		h, err := afpacket.NewTPacket(
			afpacket.OptInterface(iface),
			afpacket.TPacketVersion3,
			afpacket.OptFrameSize(fanoutFrame),
			afpacket.OptBlockSize(fanoutBlock),
			afpacket.OptNumBlocks(blocks),
			afpacket.OptBlockTimeout(fanoutBlockTimeout),
			afpacket.OptPollTimeout(o.Timeout),
		)
		if err != nil {
			return fail(fmt.Errorf("Failed to open AF_PACKET socket %d on interface '%s': %w", i+1, iface, err))
		}
		s := &fanoutSource{o: o, h: h, worker: i, limit: o.maxBytes(),
			carry: carried{data: make([]byte, 0, max(o.SnapLen, maxRecord)+4)}}
		srcs = append(srcs, s)
		fd, err := tpacketFD(h)
		if err != nil {
			return fail(err)
		}
		s.fd = fd
		if err := setFilter(fd, unix.SO_ATTACH_FILTER, unix.SOL_SOCKET, toSock(filter)); err != nil {
			return fail(fmt.Errorf("installing the BPF filter on interface '%s': %w", iface, err))
		}
		if o.Promisc {
			if err := setPromisc(fd, iface); err != nil {
				return fail(fmt.Errorf("Failed to set the promiscuous mode on interface '%s': %w", iface, err))
			}
		}
		if id, err = joinFanout(fd, i == 0, id); err != nil {
			return fail(fmt.Errorf("joining the fanout group on interface '%s': %w", iface, err))
		}
	}
	// The program goes in when every socket is a member: the group's
	// member count is part of the socket choice (index % members).
	if err := setFilter(srcs[0].fd, unix.PACKET_FANOUT_DATA, unix.SOL_PACKET, fanoutProgram()); err != nil {
		return fail(fmt.Errorf("installing the fanout program on interface '%s': %w", iface, err))
	}
	out := make([]Source, n)
	for i, s := range srcs {
		s.info = Info{Kind: KindLive, Name: iface, File: iface, FileIndex: 1, Files: 1,
			LinkType: uint16(layers.LinkTypeEthernet), SnapLen: uint32(o.SnapLen)}
		out[i] = s
	}
	return out, nil
}

// fanoutLinkCheck accepts interfaces whose frames start with an Ethernet
// header (ARPHRD_ETHER, and loopback, which Linux gives one too).
func fanoutLinkCheck(iface string) error {
	b, err := os.ReadFile("/sys/class/net/" + iface + "/type")
	if err != nil {
		return fmt.Errorf("Failed to open interface '%s': no such interface", iface)
	}
	switch strings.TrimSpace(string(b)) {
	case "1", "772":
		return nil
	}
	return fmt.Errorf("interface '%s' is not an Ethernet interface (ARPHRD type %s): several workers need Ethernet frames; run with one worker (-j 1, libpcap)", iface, strings.TrimSpace(string(b)))
}

// vlanWord returns the first word of expr that tests in-packet VLAN or
// MPLS tags.
func vlanWord(expr string) string {
	for _, w := range strings.FieldsFunc(expr, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) {
		switch strings.ToLower(w) {
		case "vlan", "mpls", "pppoes":
			return w
		}
	}
	return ""
}

// tpacketFD returns the socket of h. gopacket keeps it unexported and
// offers no call for promiscuous mode or the fanout program, which need
// it; reflection reads it (the version is pinned in go.mod, and the unit
// test of OpenFanout fails if the field goes away).
func tpacketFD(h *afpacket.TPacket) (int, error) {
	f := reflect.ValueOf(h).Elem().FieldByName("fd")
	if !f.IsValid() || f.Kind() != reflect.Int {
		return 0, errors.New("gopacket's afpacket.TPacket has no int field 'fd' any more: cannot configure the socket")
	}
	return int(f.Int()), nil
}

func toSock(prog []pcap.BPFInstruction) []unix.SockFilter {
	out := make([]unix.SockFilter, len(prog))
	for i, in := range prog {
		out[i] = unix.SockFilter{Code: in.Code, Jt: in.Jt, Jf: in.Jf, K: in.K}
	}
	return out
}

func setFilter(fd, opt, level int, prog []unix.SockFilter) error {
	fp := unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]}
	_, _, e := unix.Syscall6(unix.SYS_SETSOCKOPT, uintptr(fd), uintptr(level), uintptr(opt),
		uintptr(unsafe.Pointer(&fp)), unsafe.Sizeof(fp), 0)
	if e != 0 {
		return e
	}
	return nil
}

func setPromisc(fd int, iface string) error {
	idx, err := ifIndex(iface)
	if err != nil {
		return err
	}
	mr := unix.PacketMreq{Ifindex: int32(idx), Type: unix.PACKET_MR_PROMISC}
	return unix.SetsockoptPacketMreq(fd, unix.SOL_PACKET, unix.PACKET_ADD_MEMBERSHIP, &mr)
}

func ifIndex(iface string) (int, error) {
	b, err := os.ReadFile("/sys/class/net/" + iface + "/ifindex")
	if err != nil {
		return 0, err
	}
	var idx int
	if _, err := fmt.Sscanf(strings.TrimSpace(string(b)), "%d", &idx); err != nil {
		return 0, err
	}
	return idx, nil
}

// joinFanout adds the socket to the fanout group: the first socket asks
// the kernel for an unused group id (so two t2 on one interface never
// share a group), the others join that id.
func joinFanout(fd int, first bool, id uint16) (uint16, error) {
	arg := unix.PACKET_FANOUT_CBPF << 16
	if first {
		arg |= unix.PACKET_FANOUT_FLAG_UNIQUEID << 16
	} else {
		arg |= int(id)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_FANOUT, arg); err != nil {
		return 0, err
	}
	if !first {
		return id, nil
	}
	v, err := unix.GetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_FANOUT)
	if err != nil {
		return 0, err
	}
	return uint16(v & 0xffff), nil
}

// fanoutProgram returns the group's classic BPF program. It reads the
// packet from its network header on (SKF_NET_OFF: independent of the link
// header and of the VLAN tag the kernel already took off) and returns a
// number the kernel takes modulo the member count:
//
//	IPv4: src ^ dst, IPv6: the XOR of the eight address words,
//	mixed by a multiplication; anything else (ARP, MPLS, QinQ, ...): 0.
//
// XOR is symmetric, so both directions meet; it uses addresses only,
// which every fragment carries, so fragments meet their datagram's other
// packets. (PACKET_FANOUT_HASH uses ports too, which only the first
// fragment has, and its defrag flag hands over reassembled datagrams,
// which changes the packet counts: docs/differences-from-t2.md.)
func fanoutProgram() []unix.SockFilter {
	const (
		ld   = unix.BPF_LD | unix.BPF_W | unix.BPF_ABS
		ldh  = unix.BPF_LD | unix.BPF_H | unix.BPF_ABS
		st   = unix.BPF_ST
		ldx  = unix.BPF_LDX | unix.BPF_MEM
		xor  = unix.BPF_ALU | unix.BPF_XOR | unix.BPF_X
		jeq  = unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K
		ret  = unix.BPF_RET | unix.BPF_K
		retA = unix.BPF_RET | unix.BPF_A
		net  = 0xfff00000 // SKF_NET_OFF (-0x100000)
		prot = 0xfffff000 // SKF_AD_OFF + SKF_AD_PROTOCOL (0)
	)
	var p []unix.SockFilter
	add := func(code uint16, jt, jf uint8, k uint32) {
		p = append(p, unix.SockFilter{Code: code, Jt: jt, Jf: jf, K: k})
	}
	// xorWords: A = XOR of the words at the network offsets.
	xorWords := func(offs ...uint32) {
		add(ld, 0, 0, net+offs[0])
		for _, o := range offs[1:] {
			add(st, 0, 0, 0)
			add(ld, 0, 0, net+o)
			add(ldx, 0, 0, 0)
			add(xor, 0, 0, 0)
		}
	}
	mix := func() {
		add(unix.BPF_ALU|unix.BPF_MUL|unix.BPF_K, 0, 0, 0x9e3779b1)
		add(st, 0, 0, 0)
		add(unix.BPF_ALU|unix.BPF_RSH|unix.BPF_K, 0, 0, 16)
		add(ldx, 0, 0, 0)
		add(xor, 0, 0, 0)
		add(retA, 0, 0, 0)
	}
	add(ldh, 0, 0, prot)
	v4 := len(p)
	add(jeq, 0, 0, 0x0800) // jt/jf patched below
	add(jeq, 0, 0, 0x86dd)
	add(ret, 0, 0, 0)
	v4Start := len(p)
	xorWords(12, 16)
	mix()
	v6Start := len(p)
	xorWords(8, 12, 16, 20, 24, 28, 32, 36)
	mix()
	p[v4].Jt = uint8(v4Start - v4 - 1)
	p[v4+1].Jt = uint8(v6Start - v4 - 2)
	return p
}

type fanoutSource struct {
	o      Options
	h      *afpacket.TPacket
	fd     int
	worker int
	info   Info
	limit  int
	carry  carried // a packet that did not fit in the last batch

	liveState // closed flag and sampled counters (Stats)
}

// Read copies packets out of the socket's ring into b, as the libpcap
// source does: it returns after max packets, at the byte budget, after
// the read timeout without packets (0 packets, nil error), or when
// packets have waited for longer than the timeout. A VLAN tag the kernel
// took off is put back (as libpcap does), so the packet is the frame on
// the wire. A closed Stop channel gives io.EOF.
func (s *fanoutSource) Read(b *Batch, max int) error {
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
		case errors.Is(err, afpacket.ErrTimeout):
			return nil
		default:
			if s.isClosed() {
				return io.EOF
			}
			return fmt.Errorf("live capture on '%s' (worker %d): %w", s.info.Name, s.worker+1, err)
		}
		vlan := -1
		for _, a := range ci.AncillaryData {
			if v, ok := a.(afpacket.AncillaryVLAN); ok {
				vlan = v.VLAN
			}
		}
		size := len(data)
		extra := 0
		if vlan >= 0 && len(data) >= 12 {
			extra = 4
		}
		p := Pkt{TS: packetTime(ci.Timestamp), CapLen: uint32(size + extra), WireLen: uint32(ci.Length + extra), LinkType: s.info.LinkType}
		if len(b.Pkts) > 0 && len(b.Buf)+size+extra > s.limit {
			s.carry.data = appendFrame(s.carry.data[:0], data, vlan, extra)
			s.carry.hold(p)
			return nil
		}
		o := reserve(b, size+extra, s.limit)
		appendFrame(b.Buf[o:o], data, vlan, extra)
		p.Off = uint32(o)
		b.Pkts = append(b.Pkts, p)
		n++
		if n == 1 {
			start = time.Now()
		} else if time.Since(start) >= s.o.Timeout {
			return nil
		}
	}
	return nil
}

// appendFrame appends data to dst, with an 802.1Q tag after the MAC
// addresses when extra is 4.
func appendFrame(dst, data []byte, vlan, extra int) []byte {
	if extra == 0 {
		return append(dst, data...)
	}
	dst = append(dst, data[:12]...)
	dst = append(dst, 0x81, 0x00, byte(vlan>>8), byte(vlan))
	return append(dst, data[12:]...)
}

func (s *fanoutSource) Info() Info { return s.info }

func (s *fanoutSource) sampleStats() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	if _, v3, err := s.h.SocketStats(); err == nil {
		// The kernel's tp_packets counts delivered and dropped packets,
		// as libpcap's ps_recv does.
		s.last = Stats{Received: uint64(v3.Packets()), Dropped: uint64(v3.Drops())}
	}
}

// Close closes the socket. The caller must not Read concurrently (the
// ring is unmapped).
func (s *fanoutSource) Close() error {
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
