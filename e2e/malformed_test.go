package e2e

import (
	"strings"
	"testing"
)

// TestMalformedCaptures: every damaged capture is processed as far as it
// can be, never crashes or hangs (run has a timeout), and a fatal problem
// is reported in exactly one line on stderr naming the file.
func TestMalformedCaptures(t *testing.T) {
	tests := []struct {
		file    string
		code    int
		packets uint64
		stderr  string // substring of the one error line ("" = no error)
		report  string // substring expected in the report
		opened  bool   // the file header was readable, so the run started
	}{
		{"malformed-cut-short-null.pcap", 1, 0, "captured length 524501 exceeds", "", true},
		{"malformed-pcapng-shb-option-too-long.pcapng", 1, 0, "is damaged at block 1", "", false},
		{"malformed-gre-heapoverflow.pcap", 0, 2, "", "[WRN] IPvX L3 header bogus packets", true},
		{"malformed-ipv6-39-byte-header.pcap", 0, 1, "", "[WRN] L3 header snapped", true},
		{"malformed-timestamp-invalid-usec.pcap", 0, 3, "", "microsecond field 1000000 is not below 1000000", true},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			e := newEnv(t)
			r := e.run("t2", "-r", testdata("pcaps", tc.file), "-w", e.out+"/")
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d\nstderr: %s", r.code, tc.code, r.stderr)
			}
			if strings.Contains(r.stderr, "panic") || strings.Contains(r.stderr, "goroutine ") {
				t.Fatalf("crash:\n%s", r.stderr)
			}
			lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
			if tc.stderr != "" {
				if len(lines) != 1 || !strings.Contains(lines[0], tc.stderr) || !strings.Contains(lines[0], tc.file) {
					t.Fatalf("stderr should be one line naming %s and %q, got:\n%s", tc.file, tc.stderr, r.stderr)
				}
			} else if strings.TrimSpace(r.stderr) != "" {
				t.Fatalf("unexpected stderr: %s", r.stderr)
			}
			got, _ := reportValue(r.stdout, "Number of processed packets")
			if got != tc.packets {
				t.Errorf("processed %d packets, want %d", got, tc.packets)
			}
			if tc.report != "" && !strings.Contains(r.stdout, tc.report) {
				t.Errorf("report lacks %q:\n%s", tc.report, r.stdout)
			}
			// Once the run started, the end report is always there; a file
			// whose header is unreadable stops before (as T2).
			if tc.opened != strings.Contains(r.stdout, "Aggregated flowStat=") {
				t.Errorf("end report present = %v, want %v:\n%s", !tc.opened, tc.opened, r.stdout)
			}
		})
	}
}
