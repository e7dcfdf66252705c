package txtsink

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/t2go/t2go/pkg/plugin"
	"github.com/t2go/t2go/pkg/plugin/plugintest"
	"github.com/t2go/t2go/pkg/record"
)

// fakeConfig serves txtSink keys from a map.
type fakeConfig map[string]any

func defaults() fakeConfig {
	return fakeConfig{"TFS_PRI_HDR": 1, "TFS_HDR_FILE": 1, "TFS_SPLIT": 1, "TFS_PRI_HDR_FW": 0,
		"TFS_FLOWS_TXT_SUFFIX": "_flows.txt", "TFS_HEADER_SUFFIX": "_headers.txt"}
}

var testCols = []record.Column{
	{Name: "dir", Type: "C", Desc: "Flow direction"},
	{Name: "flowInd", Type: "U64", Desc: "Flow index"},
	{Name: "hdrDesc", Type: "SC:R", Desc: "Headers description"},
}

func start(t *testing.T, cfg fakeConfig, ss plugin.SinkStart) *TxtSink {
	t.Helper()
	s := &TxtSink{}
	if err := s.Init(plugintest.Env(t, embedded, cfg)); err != nil {
		t.Fatal(err)
	}
	if err := s.StartSink(ss); err != nil {
		t.Fatal(err)
	}
	return s
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func exists(name string) bool { _, err := os.Stat(name); return err == nil }

// TestHeaderFileMatchesT2 rebuilds T2's test_headers.txt from its parts.
func TestHeaderFileMatchesT2(t *testing.T) {
	want := readFile(t, "../../../testdata/t2sample/test_headers.txt")
	var info plugin.HeaderInfo
	var cols []record.Column
	inPlugins, inCols := false, false
	sc := bufio.NewScanner(strings.NewReader(want))
	for sc.Scan() {
		l := sc.Text()
		switch {
		case l == "# Plugins loaded:":
			inPlugins = true
		case l == "# Col No.\tType\tName\tDescription":
			inCols = true
		case inCols:
			f := strings.Split(l, "\t")
			cols = append(cols, record.Column{Type: f[1], Name: f[2], Desc: f[3]})
		case inPlugins && strings.HasPrefix(l, "#   "):
			info.Plugins = append(info.Plugins, strings.TrimPrefix(l, "#   "))
		case !inPlugins:
			info.Lines = append(info.Lines, l)
		}
	}
	prefix := filepath.Join(t.TempDir(), "test")
	s := start(t, defaults(), plugin.SinkStart{Columns: cols, Prefix: prefix, Header: info})
	if err := s.Finish(); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, prefix+"_headers.txt"); got != want {
		t.Errorf("headers file:\n%s\nwant:\n%s", got, want)
	}
	flows := readFile(t, prefix+"_flows.txt")
	wantHdr := readFile(t, "../../../testdata/t2sample/test_flows.txt")
	wantHdr = wantHdr[:strings.IndexByte(wantHdr, '\n')+1]
	if flows != wantHdr {
		t.Errorf("flows file %q, want %q", flows, wantHdr)
	}
}

func TestFlowFile(t *testing.T) {
	tests := []struct {
		name    string
		cfg     map[string]any
		want    string
		headers bool
	}{
		{"defaults", nil, "%dir\tflowInd\thdrDesc\nA\t1\teth:ipv4:tcp\nB\t1\teth:ipv4:tcp\n", true},
		{"no header line", map[string]any{"TFS_PRI_HDR": 0}, "A\t1\teth:ipv4:tcp\nB\t1\teth:ipv4:tcp\n", true},
		{"no header file", map[string]any{"TFS_HDR_FILE": 0}, "%dir\tflowInd\thdrDesc\nA\t1\teth:ipv4:tcp\nB\t1\teth:ipv4:tcp\n", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := defaults()
			for k, v := range tc.cfg {
				cfg[k] = v
			}
			prefix := filepath.Join(t.TempDir(), "out")
			s := start(t, cfg, plugin.SinkStart{Columns: testCols, Prefix: prefix})
			for _, l := range []string{"A\t1\teth:ipv4:tcp", "B\t1\teth:ipv4:tcp"} {
				if err := s.WriteFlow([]byte(l)); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.Finish(); err != nil {
				t.Fatal(err)
			}
			if err := s.Finish(); err != nil {
				t.Fatalf("second Finish: %v", err)
			}
			if got := readFile(t, prefix+"_flows.txt"); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			if exists(prefix+"_headers.txt") != tc.headers {
				t.Errorf("headers file exists = %v, want %v", !tc.headers, tc.headers)
			}
			if err := s.WriteFlow([]byte("late")); err == nil {
				t.Error("WriteFlow after Finish succeeded")
			}
		})
	}
}

func TestCustomSuffixes(t *testing.T) {
	cfg := defaults()
	cfg["TFS_FLOWS_TXT_SUFFIX"] = ".flows"
	cfg["TFS_HEADER_SUFFIX"] = ".hdr"
	prefix := filepath.Join(t.TempDir(), "x")
	s := start(t, cfg, plugin.SinkStart{Columns: testCols, Prefix: prefix})
	if err := s.Finish(); err != nil {
		t.Fatal(err)
	}
	if !exists(prefix+".flows") || !exists(prefix+".hdr") {
		t.Error("custom suffixes not used")
	}
}

func TestStdout(t *testing.T) {
	var out bytes.Buffer
	prefix := filepath.Join(t.TempDir(), "out")
	s := start(t, defaults(), plugin.SinkStart{Columns: testCols, Prefix: prefix, Stdout: &out,
		Split: plugin.SplitSpec{Enabled: true, Size: 1}})
	s.WriteFlow([]byte("A\t1\tx"))
	s.WriteFlow([]byte("A\t2\ty"))
	if out.Len() != 0 {
		t.Error("flows reached stdout before Finish: not buffered")
	}
	if err := s.Finish(); err != nil {
		t.Fatal(err)
	}
	if want := "%dir\tflowInd\thdrDesc\nA\t1\tx\nA\t2\ty\n"; out.String() != want {
		t.Errorf("stdout %q, want %q", out.String(), want)
	}
	if exists(prefix+"_flows.txt") || exists(prefix+"_flows.txt0") {
		t.Error("a flow file was created with -w -")
	}
	if !exists(prefix + "_headers.txt") {
		t.Error("no header file with -w -")
	}
}

func TestSplit(t *testing.T) {
	const hdr = "%dir\tflowInd\thdrDesc\n"
	line := func(i int) string { return "A\t" + strconv.Itoa(i) + "\tz" } // 5 bytes + newline
	tests := []struct {
		name  string
		split plugin.SplitSpec
		cfg   map[string]any
		flows int
		want  []string // file contents by index from Start
	}{
		{"bytes", plugin.SplitSpec{Enabled: true, Size: 30}, nil, 7,
			// header (21) + 6 = 27 < 30, +6 = 33 -> rotate; then 6, 12, 18,
			// 24, 30 -> rotate: the next piece is opened at once, empty.
			[]string{hdr + "A\t1\tz\nA\t2\tz\n", "A\t3\tz\nA\t4\tz\nA\t5\tz\nA\t6\tz\nA\t7\tz\n", ""}},
		{"flows with start", plugin.SplitSpec{Enabled: true, Size: 2, CountFlows: true, Start: 7}, nil, 5,
			[]string{hdr + "A\t1\tz\nA\t2\tz\n", "A\t3\tz\nA\t4\tz\n", "A\t5\tz\n"}},
		{"header in every piece", plugin.SplitSpec{Enabled: true, Size: 2, CountFlows: true}, map[string]any{"TFS_PRI_HDR_FW": 1}, 3,
			[]string{hdr + "A\t1\tz\nA\t2\tz\n", hdr + "A\t3\tz\n"}},
		{"split disabled by TFS_SPLIT", plugin.SplitSpec{Enabled: true, Size: 1, CountFlows: true}, map[string]any{"TFS_SPLIT": 0}, 3,
			nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := defaults()
			for k, v := range tc.cfg {
				cfg[k] = v
			}
			prefix := filepath.Join(t.TempDir(), "out")
			s := start(t, cfg, plugin.SinkStart{Columns: testCols, Prefix: prefix, Split: tc.split})
			for i := 1; i <= tc.flows; i++ {
				if err := s.WriteFlow([]byte(line(i))); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.Finish(); err != nil {
				t.Fatal(err)
			}
			if tc.want == nil {
				want := hdr + "A\t1\tz\nA\t2\tz\nA\t3\tz\n"
				if got := readFile(t, prefix+"_flows.txt"); got != want {
					t.Errorf("got %q, want %q", got, want)
				}
				return
			}
			for i, want := range tc.want {
				name := prefix + "_flows.txt" + strconv.FormatUint(tc.split.Start+uint64(i), 10)
				if got := readFile(t, name); got != want {
					t.Errorf("%s: got %q, want %q", filepath.Base(name), got, want)
				}
			}
			next := prefix + "_flows.txt" + strconv.FormatUint(tc.split.Start+uint64(len(tc.want)), 10)
			if exists(next) {
				t.Errorf("unexpected %s", filepath.Base(next))
			}
			if exists(prefix + "_flows.txt") {
				t.Error("unsplit file created")
			}
		})
	}
}

// TestFullDisk checks that a write error is reported with the file name.
func TestFullDisk(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	dir := t.TempDir()
	prefix := filepath.Join(dir, "full")
	if err := os.Symlink("/dev/full", prefix+"_flows.txt"); err != nil {
		t.Skip(err)
	}
	s := start(t, defaults(), plugin.SinkStart{Columns: testCols, Prefix: prefix})
	for i := 0; i < 3; i++ {
		s.WriteFlow([]byte("A\t1\tx"))
	}
	err := s.Finish()
	if err == nil {
		t.Fatal("writing to a full device reported no error")
	}
	if !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), prefix+"_flows.txt") {
		t.Errorf("error %q should name the file and wrap ENOSPC", err)
	}
}

// TestFullDiskWhileWriting fills the buffer so the error surfaces in
// WriteFlow already.
func TestFullDiskWhileWriting(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	prefix := filepath.Join(t.TempDir(), "full")
	if err := os.Symlink("/dev/full", prefix+"_flows.txt"); err != nil {
		t.Skip(err)
	}
	s := start(t, defaults(), plugin.SinkStart{Columns: testCols, Prefix: prefix})
	line := bytes.Repeat([]byte("x"), 4096)
	var err error
	// Up to 64 MiB: the writer goroutine's first error reaches WriteFlow
	// when a chunk is handed over after it (chunks are 1 MiB).
	for i := 0; i < (64<<20)/len(line) && err == nil; i++ {
		err = s.WriteFlow(line)
	}
	if err == nil || !strings.Contains(err.Error(), "_flows.txt") {
		t.Fatalf("WriteFlow error = %v", err)
	}
	if ferr := s.Finish(); ferr == nil {
		t.Error("Finish hid the write error")
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

func TestStdoutError(t *testing.T) {
	s := start(t, defaults(), plugin.SinkStart{Columns: testCols, Prefix: filepath.Join(t.TempDir(), "o"), Stdout: failWriter{}})
	s.WriteFlow([]byte("A"))
	if err := s.Finish(); err == nil || !strings.Contains(err.Error(), "stdout") {
		t.Errorf("Finish = %v, want an error naming stdout", err)
	}
}

func TestCreateError(t *testing.T) {
	s := &TxtSink{}
	if err := s.Init(plugintest.Env(t, embedded, defaults())); err != nil {
		t.Fatal(err)
	}
	if err := s.StartSink(plugin.SinkStart{Columns: testCols, Prefix: filepath.Join(t.TempDir(), "missing", "dir", "out")}); err == nil {
		t.Error("StartSink in a missing directory succeeded")
	}
	if err := s.Finish(); err != nil {
		t.Errorf("Finish after failed start: %v", err)
	}
}

var benchLine = []byte("A\t1\t0x0400000000004000\t1258544215.000000000\t1258544215.501000000\t0.501000000\t1\t3\teth:ipv4:tcp\t00:0b:db:4f:6b:10\t00:19:e3:e7:5d:23\t0x0800\t\t192.168.1.104\t1258\t77.67.44.206\t80\t6\t5\t3\t24\t27\t43\t0\t27\t5.4\t13.081\t0\t0.17\t0.1002\t0.1035651\t9.980041\t53.89222\t0.25\t-0.2285714\t0x00\t0x00\t\t\t\t0\t\t0\t\t0\t\t0")

func benchWrite(b *testing.B, prefix string) {
	s := &TxtSink{}
	if err := s.Init(plugintest.Env(b, embedded, defaults())); err != nil {
		b.Fatal(err)
	}
	if err := s.StartSink(plugin.SinkStart{Columns: testCols, Prefix: prefix}); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(benchLine) + 1))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.WriteFlow(benchLine); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if err := s.Finish(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkWriteFlow writes to a real file in the temporary directory.
func BenchmarkWriteFlow(b *testing.B) { benchWrite(b, filepath.Join(b.TempDir(), "bench")) }

// BenchmarkWriteFlowDevNull measures the sink's own cost (no disk).
func BenchmarkWriteFlowDevNull(b *testing.B) {
	prefix := filepath.Join(b.TempDir(), "null")
	if err := os.Symlink("/dev/null", prefix+"_flows.txt"); err != nil {
		b.Skip(err)
	}
	benchWrite(b, prefix)
}

// TestWriteFlowsLikeWriteFlow checks that handing over many lines at once
// (the engine's render goroutine) writes the same files as one WriteFlow
// per line, with and without -W rotation and to stdout, across chunk
// hand-overs of the flow file.
func TestWriteFlowsLikeWriteFlow(t *testing.T) {
	var lines []string
	for i := 0; i < 20000; i++ {
		lines = append(lines, "A\t"+strconv.Itoa(i)+"\t"+strings.Repeat("x", i%50))
	}
	splits := []plugin.SplitSpec{{}, {Enabled: true, Size: 100000}, {Enabled: true, Size: 777, CountFlows: true}}
	for _, split := range splits {
		for _, stdout := range []bool{false, true} {
			run := func(batch bool) (map[string]string, string) {
				s, dir, out := startSplit(t, split, stdout)
				var text []byte
				var ends []int
				for i, l := range lines {
					if !batch {
						if err := s.WriteFlow([]byte(l)); err != nil {
							t.Fatal(err)
						}
						continue
					}
					text = append(append(text, l...), '\n')
					ends = append(ends, len(text))
					if i%37 == 36 || i == len(lines)-1 {
						if err := s.WriteFlows(text, ends); err != nil {
							t.Fatal(err)
						}
						text, ends = text[:0], ends[:0]
					}
				}
				if err := s.Finish(); err != nil {
					t.Fatal(err)
				}
				files := dirFiles(t, dir)
				return files, out.String()
			}
			wantFiles, wantOut := run(false)
			gotFiles, gotOut := run(true)
			if (stdout && len(wantOut) < 100000) || (!stdout && len(wantFiles) < 2) || (split.Enabled && !stdout && len(wantFiles) < 4) {
				t.Fatalf("split %+v stdout %v: only %d files", split, stdout, len(wantFiles))
			}
			sameOutput(t, fmt.Sprintf("split %+v stdout %v", split, stdout), gotFiles, wantFiles, gotOut, wantOut)
		}
	}
}

// TestLendFlowsLikeWriteFlow builds the lines in the lent buffer as the
// engine's retire goroutine does (and through WriteFlow where the sink
// does not lend: -W, stdout) and compares the output with WriteFlow of
// each line: lines across chunk boundaries, and lines longer than the
// room past a chunk, which make the buffer grow into another array.
func TestLendFlowsLikeWriteFlow(t *testing.T) {
	var lines []string
	for i := 0; i < 40000; i++ {
		l := "A\t" + strconv.Itoa(i) + "\t" + strings.Repeat("x", i%50)
		switch i {
		case 1000, 25000:
			l += strings.Repeat("L", lendRoom+10) // past the room of a chunk
		case 30000:
			l += strings.Repeat("H", 3*chunkSize) // longer than a chunk
		}
		lines = append(lines, l)
	}
	splits := []plugin.SplitSpec{{}, {Enabled: true, Size: 1000000}}
	for _, split := range splits {
		for _, stdout := range []bool{false, true} {
			run := func(lend bool) (map[string]string, string, int) {
				s, dir, out := startSplit(t, split, stdout)
				var buf []byte
				full, lent, lends := 0, false, 0
				for _, l := range lines {
					if lend && !lent {
						buf, full, lent = s.LendFlows()
						if lent {
							lends++
							if err := s.WriteFlow([]byte("x")); err == nil {
								t.Fatal("WriteFlow while the buffer is lent succeeded")
							}
						}
					}
					if !lent {
						if err := s.WriteFlow([]byte(l)); err != nil {
							t.Fatal(err)
						}
						continue
					}
					buf = append(append(buf, l...), '\n')
					if len(buf) >= full {
						if err := s.ReturnFlows(buf); err != nil {
							t.Fatal(err)
						}
						lent = false
					}
				}
				if lent {
					if err := s.ReturnFlows(buf); err != nil {
						t.Fatal(err)
					}
				}
				if err := s.ReturnFlows(nil); err == nil {
					t.Fatal("ReturnFlows of a buffer not lent succeeded")
				}
				if err := s.Finish(); err != nil {
					t.Fatal(err)
				}
				files := dirFiles(t, dir)
				return files, out.String(), lends
			}
			wantFiles, wantOut, _ := run(false)
			gotFiles, gotOut, lends := run(true)
			if wantLend := !stdout && !split.Enabled; (lends > 0) != wantLend || wantLend && lends < 3 {
				t.Errorf("split %+v stdout %v: %d lends", split, stdout, lends)
			}
			sameOutput(t, fmt.Sprintf("split %+v stdout %v", split, stdout), gotFiles, wantFiles, gotOut, wantOut)
		}
	}
}

// TestFinishWhileLent: a Finish (a signal path) while the buffer is lent
// closes the file; the buffer given back afterwards is refused.
func TestFinishWhileLent(t *testing.T) {
	prefix := filepath.Join(t.TempDir(), "out")
	s := start(t, defaults(), plugin.SinkStart{Columns: testCols, Prefix: prefix})
	if err := s.WriteFlow([]byte("A\t1")); err != nil {
		t.Fatal(err)
	}
	buf, _, ok := s.LendFlows()
	if !ok {
		t.Fatal("LendFlows refused")
	}
	if _, _, ok := s.LendFlows(); ok {
		t.Fatal("LendFlows lent twice")
	}
	buf = append(buf, "B\t1\n"...)
	if err := s.Finish(); err != nil {
		t.Fatal(err)
	}
	if err := s.ReturnFlows(buf); err == nil {
		t.Fatal("ReturnFlows after Finish succeeded")
	}
	if got, want := readFile(t, prefix+"_flows.txt"), "%dir\tflowInd\thdrDesc\nA\t1\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// dirFiles reads every file of dir, by name.
func dirFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		files[e.Name()] = readFile(t, filepath.Join(dir, e.Name()))
	}
	return files
}

// sameOutput reports where two runs' files and stdout differ.
func sameOutput(t *testing.T, what string, gotFiles, wantFiles map[string]string, gotOut, wantOut string) {
	t.Helper()
	if gotOut != wantOut {
		t.Errorf("%s: stdout differs (%d bytes, want %d)", what, len(gotOut), len(wantOut))
	}
	if len(gotFiles) != len(wantFiles) {
		t.Errorf("%s: %d files, want %d", what, len(gotFiles), len(wantFiles))
	}
	for name, want := range wantFiles {
		if gotFiles[name] != want {
			t.Errorf("%s: %s differs (%d bytes, want %d)", what, name, len(gotFiles[name]), len(want))
		}
	}
}

// startSplit starts a sink writing into a new directory with split, to
// stdout (out) when stdout is set.
func startSplit(t *testing.T, split plugin.SplitSpec, stdout bool) (*TxtSink, string, *bytes.Buffer) {
	t.Helper()
	dir := t.TempDir()
	out := &bytes.Buffer{}
	ss := plugin.SinkStart{Columns: testCols, Prefix: filepath.Join(dir, "out"), Split: split}
	if stdout {
		ss.Stdout = out
	}
	return start(t, defaults(), ss), dir, out
}
