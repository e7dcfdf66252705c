package control

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/t2go/t2go/pkg/config"
)

// retireSets are the plugin lists compared: T2's default set with the
// decoders of issue 11 and both sinks (the retire goroutine builds
// deferred records, the render goroutine writes them), and T2's default
// set alone (txtSink only: the retire goroutine writes text).
var retireSets = map[string]string{
	"all": "protoStats\nbasicFlow\nmacRecorder\nportClassifier\nbasicStats\ntcpFlags\ntcpStates\n" +
		"icmpDecode\nconnStat\nftpDecode\narpDecode\ndnsDecode\nhttpSniffer\ntxtSink\njsonSink\n",
	"default": "protoStats\nbasicFlow\nmacRecorder\nportClassifier\nbasicStats\ntcpFlags\ntcpStates\n" +
		"icmpDecode\nconnStat\ntxtSink\n",
}

// TestRetireMatchesPacketGoroutine runs every bundled capture twice,
// once with the flow records built on the packet goroutine
// (T2_NO_RETIRE) and once on the retire goroutine with the smallest
// chunks (T2_RETIRE_CHUNK=2: it then runs alongside the packet goroutine
// even on small captures, which -race checks), and compares every output
// file byte for byte. Three copies of each capture, an hour apart, make
// flows time out while packets still come.
func TestRetireMatchesPacketGoroutine(t *testing.T) {
	caps, err := filepath.Glob("../../testdata/pcaps/*.pcap")
	if err != nil || len(caps) < 10 {
		t.Fatalf("bundled captures: %v (%d)", err, len(caps))
	}
	dir := t.TempDir()
	for set, plugins := range retireSets {
		t.Run(set, func(t *testing.T) { retireCompare(t, caps, dir, plugins) })
	}
}

func retireCompare(t *testing.T, caps []string, dir, plugins string) {
	retired := 0
	for _, c := range caps {
		name := strings.TrimSuffix(filepath.Base(c), ".pcap")
		in := filepath.Join(dir, name+".pcap")
		if _, err := os.Stat(in); err != nil && !replicateAny(t, c, in, 3) {
			continue // not a little-endian microsecond pcap
		}
		t.Setenv("T2_NO_RETIRE", "1")
		want, _ := retireRun(t, in, plugins)
		t.Setenv("T2_NO_RETIRE", "")
		t.Setenv("T2_RETIRE_CHUNK", "2")
		got, retiring := retireRun(t, in, plugins)
		t.Setenv("T2_RETIRE_CHUNK", "")
		if retiring {
			retired++
		}
		if len(got) != len(want) {
			t.Errorf("%s: %d output files with the retire goroutine, %d without", name, len(got), len(want))
		}
		for f, w := range want {
			if g, ok := got[f]; !ok || !bytes.Equal(g, w) {
				t.Errorf("%s: %s differs with the retire goroutine (%d bytes, want %d)", name, f, len(g), len(w))
			}
		}
	}
	if retired == 0 {
		t.Fatal("no run used the retire goroutine: some plugin of the set is not a plugin.ConcurrentTerminator")
	}
}

// replicateAny is replicate for any capture it can shift (little-endian
// microsecond pcap); it reports false for others.
func replicateAny(t *testing.T, src, dst string, copies int) bool {
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 24 || !bytes.Equal(b[:4], []byte{0xd4, 0xc3, 0xb2, 0xa1}) {
		return false
	}
	replicate(t, src, dst, copies)
	return true
}

// retireRun runs the plugin set over in and returns the output files by
// name (the header file without the lines naming the run) and whether the records
// were built on the retire goroutine.
func retireRun(t *testing.T, in, plugins string) (map[string][]byte, bool) {
	t.Helper()
	out := t.TempDir()
	cfg, err := config.LoadDefaults(config.Options{Home: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	list := filepath.Join(t.TempDir(), "plugins.txt")
	if err := os.WriteFile(list, []byte(plugins), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := New(Options{InputKind: InputFile, Input: in, Prefix: out + "/", HashFactor: 1, SensorID: -1,
		MonInterval: -1, PluginList: list, Config: cfg, Signals: testSignals(),
		Stdout: io.Discard, Stderr: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Execute(); err != nil {
		t.Fatalf("%s: %v", in, err)
	}
	files := map[string][]byte{}
	ents, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(out, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(e.Name(), "_headers.txt") {
			b = stripRunLines(b)
		}
		files[e.Name()] = b
	}
	return files, r.eng.Retiring()
}

// stripRunLines drops the header file's lines that name the run (date,
// PID, command line with its output folder).
func stripRunLines(b []byte) []byte {
	var out []byte
	for _, l := range bytes.SplitAfter(b, []byte("\n")) {
		if bytes.HasPrefix(l, []byte("# Date:")) || bytes.HasPrefix(l, []byte("# PID:")) ||
			bytes.HasPrefix(l, []byte("# Command line:")) {
			continue
		}
		out = append(out, l...)
	}
	return out
}
