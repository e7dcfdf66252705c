package e2e

import (
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// TestCompareProtocolsFiles checks the protocols-file comparison of
// TestT2Outputs on made-up files: a changed row, a header of its own,
// the same rows in another order and a missing file are reported.
func TestCompareProtocolsFiles(t *testing.T) {
	const ref = "# Total packets: 3\n# Total bytes: 180\n" +
		"\n\n# Total IPv4 packets: 3 [100.00%]\n# L4 Protocol\tx\n  6\ta\tTCP\n 17\tb\tUDP\n" +
		"\n\n# Total TCP packets: 2 [66.67%]\n# TCP Port\tx\n 8000\t2\tiRDMI\n" +
		"\n\n# Total UDP packets: 1 [33.33%]\n# UDP Port\tx\n   53\t1\tDNS\n"
	cases := []struct {
		name, ours string
		want       []string
	}{
		{"equal", ref, nil},
		{"description", replace(ref, " 8000\t2\tiRDMI", " 8000\t2\t-"), []string{"proto:TCP 8000"}},
		{"header", replace(ref, "\n\n# Total UDP packets: 1 [33.33%]\n", "\n\n# Total UDP packets: 1 [33.33%]\n# UDP Port\tx\n"), []string{"proto:UDP # UDP Port"}},
		{"order", replace(ref, "  6\ta\tTCP\n 17\tb\tUDP\n", " 17\tb\tUDP\n  6\ta\tTCP\n"), []string{"proto:order"}},
		// A row is placed by its section: 53 in TCP's is not 53 in UDP's.
		{"section", replace(replace(ref, "   53\t1\tDNS\n", ""), " 8000\t2\tiRDMI\n", " 8000\t2\tiRDMI\n   53\t1\tDNS\n"), []string{"proto:TCP 53", "proto:UDP 53"}},
		{"missing", "", []string{"proto:file"}},
	}
	dir := t.TempDir()
	refPath := filepath.Join(dir, "ref.txt")
	if err := os.WriteFile(refPath, []byte(ref), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		ourPath := filepath.Join(dir, c.name+".txt")
		if c.name != "missing" {
			if err := os.WriteFile(ourPath, []byte(c.ours), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		items := map[string]bool{}
		compareProtocolsFiles(refPath, ourPath, func(item, _ string) { items[item] = true })
		var got []string
		for k := range items {
			got = append(got, k)
		}
		sort.Strings(got)
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: items %v, want %v", c.name, got, c.want)
		}
	}
}

// replace replaces the first old in s, which must contain it.
func replace(s, old, new string) string {
	if !strings.Contains(s, old) {
		panic("replace: " + old + " not found")
	}
	return strings.Replace(s, old, new, 1)
}
