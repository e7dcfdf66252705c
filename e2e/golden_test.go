package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestGoldenAgainstT2 runs t2 with the six plugins on the capture the
// real T2 0.9.3 processed for testdata/t2sample and compares every output
// file line by line. Lines that legitimately differ are listed with the
// reason; everything else must be identical.
func TestGoldenAgainstT2(t *testing.T) {
	e := newEnv(t)
	e.useGoldenPlugins()
	pcap := filepath.Join(e.out, "test.pcap")
	copyFile(t, testdata("t2sample", "test.pcap"), pcap)
	r := e.mustRun("t2", "-r", "test.pcap", "-w", "res/", "-s")

	for _, f := range []string{"test_flows.txt", "test_packets.txt", "test_protocols.txt"} {
		t.Run(f, func(t *testing.T) {
			compareLines(t, readLines(t, testdata("t2sample", f)), readLines(t, filepath.Join(e.out, "res", f)), nil)
		})
	}
	t.Run("test_headers.txt", func(t *testing.T) {
		// Run-specific preamble lines: wall clock, PID, command line,
		// host and library descriptions.
		skip := regexp.MustCompile(`^# (Date|PID|Command line|HW info|SW info): `)
		compareLines(t, readLines(t, testdata("t2sample", "test_headers.txt")), readLines(t, filepath.Join(e.out, "res", "test_headers.txt")), skip)
	})
	t.Run("end report", func(t *testing.T) {
		// Differences named explicitly:
		//  - PID/Date/elapsed/memory lines change with every run;
		//  - T2's root warning depends on who runs the test (it is
		//    dropped on both sides).
		skip := regexp.MustCompile(`^(Tranalyzer 0\.9\.3 \(Anteater\), Cobra\. PID: |Date: |Finished processing\. Elapsed time: |Finished unloading flow memory\. Time: |Memory usage: |\[WRN\] Running Tranalyzer as root)`)
		compareLines(t, readLines(t, testdata("t2sample", "end-report.txt")), strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n"), skip)
	})
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// compareLines reports every differing line; lines matching skip (on
// either side) are removed first.
func compareLines(t *testing.T, want, got []string, skip *regexp.Regexp) {
	t.Helper()
	filter := func(in []string) []string {
		if skip == nil {
			return in
		}
		var out []string
		for _, l := range in {
			if !skip.MatchString(l) {
				out = append(out, l)
			}
		}
		return out
	}
	want, got = filter(want), filter(got)
	n := max(len(want), len(got))
	bad := 0
	for i := 0; i < n; i++ {
		var w, g string
		if i < len(want) {
			w = want[i]
		}
		if i < len(got) {
			g = got[i]
		}
		if w != g {
			bad++
			if bad <= 15 {
				t.Errorf("line %d:\n want %q\n  got %q", i+1, w, g)
			}
		}
	}
	if bad > 15 {
		t.Errorf("... %d differing lines in all (want %d lines, got %d)", bad, len(want), len(got))
	}
}
