package tcpflags

import (
	"bytes"
	"math"
	"testing"
	"unsafe"

	"github.com/t2go/t2go/pkg/record"
)

// TestZeroGroupsExact checks the conditions of the all-zero column
// blocks: for a state with any one byte set (to 0x01 or 0x80, which
// makes a float -0), a group whose zeroX still holds must write exactly
// its block, deferred and as text. A field a writeX reads but zeroX does
// not test fails here.
func TestZeroGroupsExact(t *testing.T) {
	groups := []struct {
		name  string
		zero  func(*state) bool
		write func(*record.Writer, *state)
		block *record.Block
	}{
		{"ipOpts", zeroIPOpts, writeIPOpts, blockIPOpts},
		{"seqAck", zeroSeqAck, writeSeqAck, blockSeqAck},
		{"window", zeroWindow, writeWindow, blockWindow},
		{"tcpOpts", zeroTCPOpts, writeTCPOpts, blockTCPOpts},
		{"mptcp", zeroMPTCP, writeMPTCP, blockMPTCP},
		{"natBt", zeroNATBt, writeNATBt, blockNATBt},
	}
	for _, g := range groups {
		if !g.zero(&state{}) {
			t.Fatalf("%s: zero state is not zero", g.name)
		}
		hits := 0
		for k := 0; k < int(unsafe.Sizeof(state{})); k++ {
			for _, v := range []byte{0x01, 0x80} {
				var s state
				(*[unsafe.Sizeof(state{})]byte)(unsafe.Pointer(&s))[k] = v
				if !g.zero(&s) {
					hits++
					continue
				}
				for _, deferred := range []bool{true, false} {
					var want, got record.Writer
					want.Deferred, got.Deferred = deferred, deferred
					want.U64(1) // a field before: the text block's TAB
					got.U64(1)
					g.write(&want, &s)
					got.AppendBlock(g.block)
					if !bytes.Equal(expandOps(got.Bytes(), deferred), expandOps(want.Bytes(), deferred)) || got.Fields() != want.Fields() { // a block is a reference
						t.Fatalf("%s, byte %d = %#x, deferred %v: block %q (%d fields), writes %q (%d fields)",
							g.name, k, v, deferred, got.Bytes(), got.Fields(), want.Bytes(), want.Fields())
					}
				}
			}
		}
		if hits == 0 {
			t.Fatalf("%s: no state byte makes the group non-zero", g.name)
		}
	}
	var want, got record.Writer
	writeFlagCounts(&want, &flagCounts{})
	got.AppendBlock(blockFlagCounts)
	if !bytes.Equal(got.Bytes(), want.Bytes()) || got.Fields() != 1 {
		t.Fatalf("flag counts: %q, want %q", got.Bytes(), want.Bytes())
	}
}

// TestZeroTCPExact checks t.blockTCP and blockRTT as TestZeroGroupsExact
// checks the groups, under settings that turn each optional group off
// and on: for a state (and flag counts) with any one byte set, where
// zeroTCP (zeroRTT) still holds, writeTCP (writeRTT) writes exactly the
// block, deferred and as text.
func TestZeroTCPExact(t *testing.T) {
	for _, cfg := range []map[string]int64{
		nil,
		{"TCPFLGCNT": 1},
		{"SEQ_ACK_NUM": 0, "WINDOWSIZE": 0, "TCPJA4T": 0, "MPTCP": 0, "NAT_BT_EST": 0},
		{"SEQ_ACK_NUM": 0, "TCPFLGCNT": 1, "NAT_BT_EST": 0},
	} {
		r := newRig(t, cfg)
		tf := r.tf
		same := func(what string, k int, v byte, write func(*record.Writer), block *record.Block) {
			t.Helper()
			for _, deferred := range []bool{true, false} {
				var want, got record.Writer
				want.Deferred, got.Deferred = deferred, deferred
				want.U64(1) // a field before: the text block's TAB
				got.U64(1)
				write(&want)
				got.AppendBlock(block)
				if !bytes.Equal(expandOps(got.Bytes(), deferred), expandOps(want.Bytes(), deferred)) || got.Fields() != want.Fields() { // a block is a reference
					t.Fatalf("%v %s, byte %d = %#x, deferred %v: block %q (%d fields), writes %q (%d fields)",
						cfg, what, k, v, deferred, got.Bytes(), got.Fields(), want.Bytes(), want.Fields())
				}
			}
		}
		if !tf.zeroTCP(&state{}, &flagCounts{}) || !zeroRTT(&state{rttMin: 0xffff}, 0, 0) {
			t.Fatalf("%v: zero state is not zero", cfg)
		}
		hits, rttHits := 0, 0
		n := int(unsafe.Sizeof(state{}))
		for k := 0; k < n+int(unsafe.Sizeof(flagCounts{})); k++ {
			for _, v := range []byte{0x01, 0x80} {
				s := state{rttMin: 0xffff}
				var c flagCounts
				if k < n {
					(*[unsafe.Sizeof(state{})]byte)(unsafe.Pointer(&s))[k] ^= v
				} else {
					(*[unsafe.Sizeof(flagCounts{})]byte)(unsafe.Pointer(&c))[k-n] = v
				}
				if tf.zeroTCP(&s, &c) {
					same("writeTCP", k, v, func(w *record.Writer) { tf.writeTCP(w, 0, &s, &c) }, tf.blockTCP)
				} else {
					hits++
				}
				if zeroRTT(&s, 0, 0) {
					same("writeRTT", k, v, func(w *record.Writer) { writeRTT(w, &s, 0, 0) }, blockRTT)
				} else {
					rttHits++
				}
			}
		}
		if hits == 0 || rttHits == 0 {
			t.Fatalf("%v: no state byte makes the columns non-zero", cfg)
		}
		for _, rj := range [][2]float32{{1, 0}, {0, 1}, {float32(math.Copysign(0, -1)), 0}, {0, float32(math.Copysign(0, -1))}} {
			if zeroRTT(&state{rttMin: 0xffff}, rj[0], rj[1]) {
				t.Errorf("zeroRTT holds with round trip %v, jitter %v", rj[0], rj[1])
			}
		}
	}
}

// expandOps returns a deferred record with its block references replaced
// by the blocks' ops (a text line as it is).
func expandOps(b []byte, deferred bool) []byte {
	if deferred {
		return record.ExpandBlocks(b)
	}
	return append([]byte(nil), b...)
}
