package tcpstates

import (
	"github.com/t2go/t2go/pkg/plugin/plugintest"
	"github.com/t2go/t2go/pkg/plugins/internal/pcapreplay"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/t2go/t2go/pkg/flow"
	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/plugin"
	"github.com/t2go/t2go/pkg/record"
)

// readT2 returns a column of one of T2's sample files keyed by the value
// of keyCol (and dir when present).
func readT2(t *testing.T, file, keyCol, col string) map[string]string {
	data, err := os.ReadFile("../../../testdata/t2sample/" + file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	hdr := strings.Split(strings.TrimPrefix(lines[0], "%"), "\t")
	idx := func(name string) int {
		for i, h := range hdr {
			if h == name {
				return i
			}
		}
		return -1
	}
	k, c, d := idx(keyCol), idx(col), idx("dir")
	out := map[string]string{}
	for _, l := range lines[1:] {
		f := strings.Split(l, "\t")
		key := f[k]
		if d >= 0 {
			key += f[d]
		}
		out[key] = f[c]
	}
	return out
}

// TestSampleMatchesT2 replays test.pcap and compares the packet column
// and the flow column with T2's outputs.
func TestSampleMatchesT2(t *testing.T) {
	wantPkt := readT2(t, "test_packets.txt", "pktNo", "tcpStatesAFlags")
	wantFlow := readT2(t, "test_flows.txt", "flowInd", "tcpStatesAFlags")
	table := flow.NewTable(4096, packet.FromSeconds(182))
	ts := &TCPStates{}
	if err := ts.Init(plugintest.With[int64](t, embedded, nil, plugin.Env{Table: table})); err != nil {
		t.Fatal(err)
	}
	pcapreplay.Replay(t, "../../../testdata/t2sample/test.pcap", table, func(p *packet.Packet, f *flow.Flow, isNew bool) {
		if isNew {
			ts.OnNewFlow(p, f)
		}
		if !p.L2Only {
			ts.OnLayer4(p, f)
		}
		var w record.Writer
		ts.WritePacket(p, f, &w)
		n := strconv.FormatUint(p.Num, 10)
		if got := string(w.Bytes()); got != wantPkt[n] {
			t.Errorf("packet %s: %s, want %s", n, got, wantPkt[n])
		}
	})
	// Release as the core does: A, then B after A was removed.
	for idx := uint64(1); idx <= 8; idx++ {
		for _, b := range []bool{false, true} {
			for _, s := range table.All() {
				f := table.Flow(s)
				if f.Index != idx || f.IsB != b {
					continue
				}
				var w record.Writer
				ts.OnFlowTerminate(f, &w)
				key := strconv.FormatUint(idx, 10) + map[bool]string{false: "A", true: "B"}[b]
				if got := string(w.Bytes()); got != wantFlow[key] {
					t.Errorf("flow %s: %s, want %s", key, got, wantFlow[key])
				}
				table.Remove(f)
			}
		}
	}
	if ts.aggregate != 0x03 {
		t.Errorf("aggregate 0x%02x, want 0x03 (end-report.txt)", ts.aggregate)
	}
}
