package e2e

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// T2's command-line behaviour: usage, version, errors with T2's texts on
// stderr plus the hint on stdout, exit 1.
func TestCommandLineErrors(t *testing.T) {
	e := newEnv(t)
	pcap := testdata("pcaps", "ntp-sparse.pcap")
	tests := []struct {
		args   []string
		code   int
		stderr string
		stdout string
	}{
		{nil, 1, "", "Usage:"},
		{[]string{"-h"}, 0, "", "Remaining arguments:"},
		{[]string{"-V"}, 0, "", "Tranalyzer 0.9.3 (Anteater) [Cobra]"},
		{[]string{"-q"}, 1, "[ERR] Unknown option '-q'", "Try 't2 -h' for more information."},
		{[]string{"-r"}, 1, "[ERR] Option '-r' requires an argument", "Try 't2 -h'"},
		{[]string{"-w", "x"}, 1, "One of '-r', '-R', '-D' or '-i' option is required", ""},
		{[]string{"-r", pcap, "-i", "lo"}, 1, "'-r', '-R', '-D' and '-i' options can only be used exclusively", ""},
		{[]string{"-D", "x.pcap:abcd"}, 1, "Option '-D': Invalid format, expected 'expr[:schr][,stop]'", ""},
		{[]string{"-r", pcap, "-S", "-5"}, 1, "Option '-S': Snapshot length must be greater than 0", ""},
		{[]string{"-r", pcap, "-f", "0"}, 1, "Option '-f': Hash factor must be greater than 0", ""},
		{[]string{"-r", pcap, "-M", "-1"}, 1, "Option '-M': Monitoring interval must be greater than 0.0", ""},
		{[]string{"-r", pcap, "-x", "abc"}, 1, "Option '-x': invalid sensor ID 'abc'", ""},
		{[]string{"-r", pcap, "-W", "out:12Q"}, 1, "Option '-W': invalid format 'out:12Q'", ""},
		{[]string{"-r", "/nonexistent.pcap"}, 1, "Failed to open file '/nonexistent.pcap' for reading", ""},
		{[]string{"-r", testdata("pcaps", "README.md")}, 1, "is not a valid PCAP/PCAP-NG file", ""},
		{[]string{"-r", pcap, "-w", e.out + "/", "not a filter ((("}, 1, "not a filter (((", ""},
		{[]string{"-r", pcap, "-F", "/nonexistent.bpf"}, 1, "Option '-F': cannot read BPF file '/nonexistent.bpf'", ""},
	}
	for _, tc := range tests {
		r := e.run("t2", tc.args...)
		if r.code != tc.code {
			t.Errorf("t2 %q: exit %d, want %d\nstderr: %s", tc.args, r.code, tc.code, r.stderr)
		}
		if tc.stderr != "" && !strings.Contains(r.stderr, tc.stderr) {
			t.Errorf("t2 %q: stderr %q lacks %q", tc.args, r.stderr, tc.stderr)
		}
		if tc.code != 0 && strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 {
			t.Errorf("t2 %q: error not one line:\n%s", tc.args, r.stderr)
		}
		if tc.stdout != "" && !strings.Contains(r.stdout, tc.stdout) {
			t.Errorf("t2 %q: stdout lacks %q:\n%s", tc.args, tc.stdout, tail(r.stdout))
		}
	}
}

// A bad value or unknown key in the user's configuration: one line
// naming file, line, key and value, exit 1, nothing processed.
func TestBadConfiguration(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct{ content, want string }{
		{"MONINTV = \"abc\"\n", `tranalyzer2.toml:1: MONINTV = "abc"`},
		{"# x\nDIFF_REPORT = 7\n", "tranalyzer2.toml:2: DIFF_REPORT = 7"},
		{"MONINTVV = 1\n", "MONINTVV"},
	} {
		os.WriteFile(filepath.Join(e.home, "tranalyzer2.toml"), []byte(tc.content), 0o644)
		r := e.run("t2", "-r", testdata("pcaps", "ntp-sparse.pcap"), "-w", e.out+"/")
		if r.code != 1 || !strings.Contains(r.stderr, tc.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
			t.Errorf("config %q: exit %d, stderr %q (want one line with %q)", tc.content, r.code, r.stderr, tc.want)
		}
	}
}

// Trailing words are a BPF filter (and -F FILE): only matching packets
// are counted, as with tcpdump's filter.
func TestBPFFilter(t *testing.T) {
	e := newEnv(t)
	pcap := testdata("pcaps", "http-web-browsing.pcap")
	r := e.mustRun("t2", "-r", pcap, "-w", e.out+"/", "udp")
	if n, _ := reportValue(r.stdout, "Number of processed packets"); n != 139 {
		t.Errorf("filter udp: %d packets, tshark counts 139 UDP frames", n)
	}
	if !strings.Contains(r.stdout, "[INF] BPF: udp") {
		t.Error("no BPF line")
	}
	bpf := filepath.Join(e.out, "f.bpf")
	os.WriteFile(bpf, []byte("# only TCP\ntcp # comment\n"), 0o644)
	r = e.mustRun("t2", "-r", pcap, "-w", e.out+"/", "-F", bpf)
	if n, _ := reportValue(r.stdout, "Number of processed packets"); n != 4492 {
		t.Errorf("-F tcp: %d packets, tshark counts 4492 TCP frames", n)
	}
}

// -R: the listed files are one stream (flows continue across files);
// -D: a numbered series.
func TestListAndSeries(t *testing.T) {
	e := newEnv(t)
	pc := loadPcap(t, testdata("pcaps", "http-web-browsing.pcap"))
	half := len(pc.records) / 2
	write := func(name string, recs [][]byte) string {
		p := filepath.Join(e.out, name)
		b := append([]byte{}, pc.header...)
		for _, r := range recs {
			b = append(b, r...)
		}
		os.WriteFile(p, b, 0o644)
		return p
	}
	a := write("part.pcap0", pc.records[:half])
	b := write("part.pcap1", pc.records[half:])
	list := filepath.Join(e.out, "list.txt")
	os.WriteFile(list, []byte("# two halves\n"+a+"\n"+b+"\n"), 0o644)
	whole := e.mustRun("t2", "-r", testdata("pcaps", "http-web-browsing.pcap"), "-w", filepath.Join(e.out, "whole")+"/")
	r := e.mustRun("t2", "-R", list, "-w", filepath.Join(e.out, "list")+"/")
	for _, l := range []string{"Processing file no. 1 of 2: " + a, "Processing file no. 2 of 2: " + b} {
		if !strings.Contains(r.stdout, l) {
			t.Errorf("-R output lacks %q", l)
		}
	}
	for _, l := range []string{"Number of processed packets", "Number of processed      flows", "Number of processed A    flows"} {
		w, _ := reportValue(whole.stdout, l)
		g, _ := reportValue(r.stdout, l)
		if w != g {
			t.Errorf("%s: %d for the list, %d for the whole file", l, g, w)
		}
	}
	r = e.mustRun("t2", "-D", filepath.Join(e.out, "part.pcap0")+",1", "-w", filepath.Join(e.out, "series")+"/")
	if n, _ := reportValue(r.stdout, "Number of processed packets"); n != uint64(len(pc.records)) {
		t.Errorf("-D: %d packets, want %d", n, len(pc.records))
	}
}

// A damaged file in a list is reported in one line and skipped: the
// other files are processed, and the exit status says something was
// wrong.
func TestListGoesOnAfterDamagedFile(t *testing.T) {
	e := newEnv(t)
	bad := testdata("pcaps", "malformed-cut-short-null.pcap")
	good := testdata("t2sample", "test.pcap")
	list := filepath.Join(e.out, "list.txt")
	os.WriteFile(list, []byte(bad+"\n"+good+"\n"), 0o644)
	r := e.run("t2", "-R", list, "-w", e.out+"/")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\nstderr: %s", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "malformed-cut-short-null.pcap") || !strings.Contains(lines[0], "captured length 524501") {
		t.Fatalf("stderr should be one line naming the damaged file, got:\n%s", r.stderr)
	}
	if !strings.Contains(r.stdout, "Processing file no. 2 of 2: "+good) {
		t.Errorf("the second file was not processed:\n%s", r.stdout)
	}
	if n, _ := reportValue(r.stdout, "Number of processed packets"); n != 62 {
		t.Errorf("%d packets processed, want test.pcap's 62", n)
	}
}

// The same for a -D series: the damaged file is reported, the next
// number is read.
func TestSeriesGoesOnAfterDamagedFile(t *testing.T) {
	e := newEnv(t)
	copyTo := func(src, name string) {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(e.out, name), b, 0o644)
	}
	copyTo(testdata("pcaps", "malformed-cut-short-null.pcap"), "s.pcap0")
	copyTo(testdata("t2sample", "test.pcap"), "s.pcap1")
	r := e.run("t2", "-D", filepath.Join(e.out, "s.pcap0")+",1", "-w", filepath.Join(e.out, "o")+"/")
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	if r.code != 1 || len(lines) != 1 || !strings.Contains(lines[0], "s.pcap0") {
		t.Fatalf("exit %d, stderr:\n%s\nwant exit 1 and one line naming s.pcap0", r.code, r.stderr)
	}
	if n, _ := reportValue(r.stdout, "Number of processed packets"); n != 62 {
		t.Errorf("%d packets processed, want s.pcap1's 62", n)
	}
}

// -W splits the flow file; every piece is well formed and together they
// hold every flow once.
func TestSplitFlowFile(t *testing.T) {
	e := newEnv(t)
	e.mustRun("t2", "-r", testdata("pcaps", "http-web-browsing.pcap"), "-w", filepath.Join(e.out, "w")+"/")
	e.mustRun("t2", "-r", testdata("pcaps", "http-web-browsing.pcap"), "-W", filepath.Join(e.out, "s", "out")+":50f")
	all := readLines(t, filepath.Join(e.out, "w", "http-web-browsing_flows.txt"))
	var got []string
	for i := 0; ; i++ {
		p := filepath.Join(e.out, "s", "out_flows.txt"+strconv.Itoa(i))
		if _, err := os.Stat(p); err != nil {
			break
		}
		lines := readLines(t, p)
		if i == 0 {
			got = append(got, lines[0])
			lines = lines[1:]
		}
		if len(lines) > 50 {
			t.Errorf("piece %d has %d flows, limit 50", i, len(lines))
		}
		got = append(got, lines...)
	}
	compareLines(t, all, got, nil)
}
