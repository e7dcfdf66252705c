package tcpflags

import (
	"bytes"
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
					if !bytes.Equal(expandOps(got.Bytes(), deferred), want.Bytes()) || got.Fields() != want.Fields() { // a block is a reference
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

// expandOps returns a deferred record with its block references replaced
// by the blocks' ops (a text line as it is).
func expandOps(b []byte, deferred bool) []byte {
	if deferred {
		return record.ExpandBlocks(b)
	}
	return append([]byte(nil), b...)
}
