package jsonsink

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/t2go/t2go/pkg/plugin"
	"github.com/t2go/t2go/pkg/plugin/plugintest"
	"github.com/t2go/t2go/pkg/record"
)

var testCols = []record.Column{{Name: "dir", Type: "C"}, {Name: "flowInd", Type: "U64"}, {Name: "hdrDesc", Type: "SC:R"}}

// rec returns the deferred record of flow n.
func rec(n uint64) []byte {
	var w record.Writer
	w.Deferred = true
	w.Char('A')
	w.U64(n)
	w.Field()
	if n%2 == 0 {
		w.RawString("eth:ipv4:tcp")
	}
	return append([]byte(nil), w.Bytes()...)
}

// newSink returns a sink with the defaults and set applied.
func newSink(t *testing.T, set map[string]any) *JSONSink {
	t.Helper()
	j := &JSONSink{}
	if err := j.Init(plugintest.Env(t, embedded, set)); err != nil {
		t.Fatal(err)
	}
	return j
}

func run(t *testing.T, set map[string]any, start plugin.SinkStart, flows int) {
	t.Helper()
	j := newSink(t, set)
	start.Columns = testCols
	if err := j.StartSink(start); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= flows; i++ {
		if err := j.WriteRecord(rec(uint64(i))); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.Finish(); err != nil {
		t.Fatal(err)
	}
	if err := j.Finish(); err != nil {
		t.Fatal("second Finish:", err)
	}
	if err := j.WriteRecord(rec(9)); err == nil {
		t.Error("a record after Finish was accepted")
	}
}

func read(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

const twoFlows = `{"dir":"A","flowInd":1}` + "\n" + `{"dir":"A","flowInd":2,"hdrDesc":["eth:ipv4:tcp"]}` + "\n"

func TestFile(t *testing.T) {
	dir := t.TempDir()
	run(t, nil, plugin.SinkStart{Prefix: filepath.Join(dir, "x")}, 2)
	if got := read(t, filepath.Join(dir, "x_flows.json")); got != twoFlows {
		t.Errorf("got %q", got)
	}
}

func TestEmptyRunCreatesFile(t *testing.T) {
	dir := t.TempDir()
	run(t, nil, plugin.SinkStart{Prefix: filepath.Join(dir, "x")}, 0)
	if got := read(t, filepath.Join(dir, "x_flows.json")); got != "" {
		t.Errorf("got %q", got)
	}
}

func TestStdoutRootNodeSpaces(t *testing.T) {
	var out bytes.Buffer
	run(t, map[string]any{"JSON_ROOT_NODE": 1, "JSON_NO_SPACES": 0, "JSON_SUPPRESS_EMPTY_ARRAY": 0}, plugin.SinkStart{Stdout: &out}, 2)
	want := `[{"dir": "A", "flowInd": 1, "hdrDesc": []}` + "\n" + `,{"dir": "A", "flowInd": 2, "hdrDesc": ["eth:ipv4:tcp"]}` + "\n]\n"
	if out.String() != want {
		t.Errorf("got %q\nwant %q", out.String(), want)
	}
	var v []map[string]any
	if err := json.Unmarshal(out.Bytes(), &v); err != nil || len(v) != 2 {
		t.Errorf("root node output is not one array of 2: %v", err)
	}
}

func TestGzipAndSplit(t *testing.T) {
	dir := t.TempDir()
	run(t, map[string]any{"JSON_GZ_COMPRESS": 1}, plugin.SinkStart{Prefix: filepath.Join(dir, "x"), Split: plugin.SplitSpec{Enabled: true, Size: 2, CountFlows: true, Start: 3}}, 5)
	var all strings.Builder
	for _, n := range []string{"x_flows.json3.gz", "x_flows.json4.gz", "x_flows.json5.gz"} {
		f, err := os.Open(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(n, err)
		}
		b, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(n, err)
		}
		f.Close()
		all.Write(b)
	}
	if strings.Count(all.String(), "\n") != 5 || !strings.HasPrefix(all.String(), twoFlows) {
		t.Errorf("pieces hold %q", all.String())
	}
}

func TestSelect(t *testing.T) {
	dir := t.TempDir()
	sel := filepath.Join(dir, "cols.txt")
	os.WriteFile(sel, []byte("# wanted\nflowInd\n\n"), 0o644)
	set := map[string]any{"JSON_SELECT": 1, "JSON_SELECT_FILE": sel}
	run(t, set, plugin.SinkStart{Prefix: filepath.Join(dir, "x")}, 1)
	if got := read(t, filepath.Join(dir, "x_flows.json")); got != `{"flowInd":1}`+"\n" {
		t.Errorf("got %q", got)
	}
	os.WriteFile(sel, []byte("flowIdx\n"), 0o644)
	err := newSink(t, set).StartSink(plugin.SinkStart{Columns: testCols, Prefix: filepath.Join(dir, "y")})
	if err == nil || !strings.Contains(err.Error(), `line 1: no column "flowIdx"`) {
		t.Errorf("unknown column: %v", err)
	}
}

func TestSocket(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(bufio.NewReader(c))
		got <- string(b)
	}()
	set := map[string]any{"JSON_SOCKET_ON": 1, "JSON_SOCKET_ADDR": "127.0.0.1", "JSON_SOCKET_PORT": ln.Addr().(*net.TCPAddr).Port}
	run(t, set, plugin.SinkStart{Prefix: filepath.Join(t.TempDir(), "x")}, 2)
	if s := <-got; s != twoFlows {
		t.Errorf("server got %q", s)
	}
	// Nobody listening: one clear error at start.
	ln.Close()
	if err := newSink(t, set).StartSink(plugin.SinkStart{Columns: testCols}); err == nil || !strings.Contains(err.Error(), "jsonSink: cannot connect to 127.0.0.1:") {
		t.Errorf("refused connection: %v", err)
	}
}

func TestUnwritableDir(t *testing.T) {
	err := newSink(t, nil).StartSink(plugin.SinkStart{Columns: testCols, Prefix: "/nonexistent-dir/x"})
	if err == nil || !strings.Contains(err.Error(), "jsonSink: cannot create the flow file") {
		t.Errorf("got %v", err)
	}
}
