package tcpflags

import (
	"testing"

	"github.com/google/gopacket/layers"

	"github.com/t2go/t2go/pkg/flow"
)

// TestSynOptionsSummary: SYN and SYN-ACK packets whose options OnLayer4
// takes from Prepare's summary (kinds for JA4T, window scale, MSS,
// timestamp) give exactly the columns of walking them (tcpOptions) and
// of OnLayer4 without Prepare, on handshakes with the usual option sets,
// more kinds than the summary holds (walked), two window scale options,
// kinds past 31, a corrupt option, a retransmitted SYN (JA4T kinds of
// both, cut at JA4TOPTMX) and JA4T off; col shows the case reached what
// it is about.
func TestSynOptionsSummary(t *testing.T) {
	opt := func(kind uint8, data ...byte) layers.TCPOption {
		l := uint8(2 + len(data))
		if kind <= 1 {
			l = 1
		}
		return layers.TCPOption{OptionType: layers.TCPOptionKind(kind), OptionLength: l, OptionData: data}
	}
	nop := opt(1)
	mss, sackOK := opt(2, 0x05, 0x84), opt(4)
	ts := opt(8, 0, 0, 1, 0, 0, 0, 0, 0)
	ws := func(s uint8) layers.TCPOption { return opt(3, s) }
	linux := []layers.TCPOption{mss, sackOK, ts, nop, ws(7)}
	windows := []layers.TCPOption{mss, nop, ws(8), nop, nop, sackOK}
	mac := []layers.TCPOption{mss, nop, ws(6), nop, nop, ts, sackOK}
	many := []layers.TCPOption{mss, nop, nop, nop, ws(5), nop, nop, nop, sackOK, nop} // 10 kinds
	twoWS := []layers.TCPOption{ws(3), mss, ws(9)}
	high := []layers.TCPOption{mss, opt(34, 1, 2, 3, 4), opt(19, make([]byte, 16)...), ws(2)}
	syn := func(opts []layers.TCPOption) []byte {
		return frame(t, &layers.IPv4{Id: 1}, &layers.TCP{SrcPort: 40000, DstPort: 443, Seq: 100, SYN: true, Window: 64240, Options: opts}, nil)
	}
	synAck := func(opts []layers.TCPOption) []byte {
		return frame(t, reverse(&layers.IPv4{Id: 9}), &layers.TCP{SrcPort: 443, DstPort: 40000, Seq: 900, Ack: 101, SYN: true, ACK: true, Window: 65160, Options: opts}, nil)
	}
	ack := frame(t, &layers.IPv4{Id: 2}, &layers.TCP{SrcPort: 40000, DstPort: 443, Seq: 101, Ack: 901, ACK: true, Window: 502}, nil)
	corrupt := syn(linux)
	corrupt[14+20+20+6+1] = 0 // the timestamp option's length
	for _, c := range []struct {
		name      string
		cfg       map[string]int64
		frames    [][]byte
		col, want string
	}{
		{"Linux", nil, [][]byte{syn(linux), synAck(linux), ack}, "tcpJA4T", "64240_2-4-8-1-3_1412_7"},
		{"Windows", nil, [][]byte{syn(windows), synAck(windows), ack}, "tcpJA4T", "64240_2-1-3-1-1-4_1412_8"},
		{"macOS", nil, [][]byte{syn(mac), synAck(linux), ack}, "tcpJA4T", "64240_2-1-3-1-1-8-4_1412_6"},
		{"10 kinds", nil, [][]byte{syn(many), synAck(many), ack}, "tcpJA4T", "64240_2-1-1-1-3-1-1-1-4-1_1412_5"},
		{"10 kinds, JA4T off", map[string]int64{"TCPJA4T": 0}, [][]byte{syn(many), synAck(many), ack}, "tcpWS", "32"},
		{"two window scales", nil, [][]byte{syn(twoWS), synAck(twoWS), ack}, "tcpWS", "512"},
		{"kinds past 31", nil, [][]byte{syn(high), synAck(linux), ack}, "tcpJA4T", "64240_2-34-19-3_1412_2"},
		{"corrupt", nil, [][]byte{corrupt, synAck(linux), ack}, "tcpJA4T", "64240_2-4-8_1412_0"},
		{"retransmitted SYN", nil, [][]byte{syn(linux), syn(windows), synAck(linux), ack}, "tcpJA4T", "64240_2-4-8-1-3-2-1-3-1-1-4_1412_8"},
		{"retransmitted SYN, JA4TOPTMX 7", map[string]int64{"JA4TOPTMX": 7}, [][]byte{syn(linux), syn(windows), synAck(linux), ack}, "tcpJA4T", "64240_2-4-8-1-3-2-1_1412_8"},
		{"JA4TOPTMX 3", map[string]int64{"JA4TOPTMX": 3}, [][]byte{syn(mac), synAck(linux), ack}, "tcpJA4T", "64240_2-1-3_1412_6"},
	} {
		t.Run(c.name, func(t *testing.T) {
			prep, self, walk := newRig(t, c.cfg), newRig(t, c.cfg), newRig(t, c.cfg)
			self.noPrep = true
			walk.tf.walkOpts = true
			var fp, fs, fw, bp, bs, bw *flow.Flow
			for i, b := range c.frames {
				ts := 1 + float64(i)/100
				gp, gs, gw := prep.feed(t, b, ts), self.feed(t, b, ts), walk.feed(t, b, ts)
				if fp == nil {
					fp, fs, fw = gp, gs, gw
				} else if gp != fp {
					bp, bs, bw = gp, gs, gw
				}
			}
			for _, fl := range [][3]*flow.Flow{{fp, fs, fw}, {bp, bs, bw}} {
				if fl[0] == nil {
					continue
				}
				cp, cs, cw := prep.columns(fl[0]), self.columns(fl[1]), walk.columns(fl[2])
				for k, v := range cw {
					if cp[k] != v {
						t.Errorf("%s: %s prepared, %s walked", k, cp[k], v)
					}
					if cs[k] != v {
						t.Errorf("%s: %s not prepared, %s walked", k, cs[k], v)
					}
				}
			}
			if got := prep.columns(fp)[c.col]; got != c.want {
				t.Errorf("%s %s, want %s", c.col, got, c.want)
			}
		})
	}
}
