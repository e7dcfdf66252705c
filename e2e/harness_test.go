// Package e2e runs the real binaries (t2, t2stat, t2conf, t2build,
// t2rrd) as processes on real captures and compares what they write with
// the oracles: T2 0.9.3's own outputs and tshark's counts.
package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "t2go-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	root := repoRoot()
	cmd := exec.Command("go", "build", "-o", dir+"/", "./cmd/...")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building the binaries: %v\n%s", err, out)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(filepath.Dir(file))
}

// testdata returns the path of a file under the repository's testdata/.
func testdata(parts ...string) string {
	return filepath.Join(append([]string{repoRoot(), "testdata"}, parts...)...)
}

// env is a private configuration home for one test, so nothing reads
// or writes the user's ~/.tranalyzer.
type env struct {
	t    *testing.T
	home string
	out  string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	d := t.TempDir()
	e := &env{t: t, home: filepath.Join(d, "home"), out: filepath.Join(d, "out")}
	os.MkdirAll(e.home, 0o755)
	os.MkdirAll(e.out, 0o755)
	return e
}

// goldenPlugins is the plugin set the golden files (testdata/t2sample,
// testdata/golden) were made with; it is larger than T2's default set,
// which t2 runs without a plugins.txt.
const goldenPlugins = "protoStats\nbasicFlow\nbasicStats\ntcpStates\nftpDecode\ntxtSink\n"

// useGoldenPlugins writes goldenPlugins as the home's plugins.txt.
func (e *env) useGoldenPlugins() {
	e.t.Helper()
	if err := os.WriteFile(filepath.Join(e.home, "plugins.txt"), []byte(goldenPlugins), 0o644); err != nil {
		e.t.Fatal(err)
	}
}

// usePlugins makes names the active plugin list of this environment.
func (e *env) usePlugins(names ...string) {
	e.t.Helper()
	if err := os.WriteFile(filepath.Join(e.home, "plugins.txt"), []byte(strings.Join(names, "\n")+"\n"), 0o644); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) environ() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "T2_HOME=") || strings.HasPrefix(kv, "NO_COLOR=") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "T2_HOME="+e.home, "TZ=UTC")
}

type result struct {
	stdout, stderr string
	code           int
}

// run executes a binary to completion (with a generous timeout so a hang
// fails the test instead of CI).
func (e *env) run(name string, args ...string) result {
	e.t.Helper()
	return e.runIn("", name, args...)
}

func (e *env) runIn(stdin string, name string, args ...string) result {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(binDir, name), args...)
	cmd.Env = e.environ()
	cmd.Dir = e.out
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	err := cmd.Run()
	r := result{stdout: so.String(), stderr: se.String()}
	if ctx.Err() != nil {
		e.t.Fatalf("%s %v: timed out\nstderr: %s", name, args, r.stderr)
	}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		e.t.Fatalf("%s %v: %v", name, args, err)
	}
	return r
}

// mustRun runs and fails the test on a non-zero exit.
func (e *env) mustRun(name string, args ...string) result {
	e.t.Helper()
	r := e.run(name, args...)
	if r.code != 0 {
		e.t.Fatalf("%s %v: exit %d\nstdout: %s\nstderr: %s", name, args, r.code, tail(r.stdout), r.stderr)
	}
	return r
}

func tail(s string) string {
	lines := strings.Split(s, "\n")
	if len(lines) > 30 {
		lines = lines[len(lines)-30:]
	}
	return strings.Join(lines, "\n")
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.TrimSuffix(string(b), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// reportValue returns the number after "label: " in an end report, and
// whether the line exists.
func reportValue(report, label string) (uint64, bool) {
	for _, line := range strings.Split(report, "\n") {
		if !strings.HasPrefix(line, label+": ") {
			continue
		}
		var v uint64
		fmt.Sscanf(strings.TrimPrefix(line, label+": "), "%d", &v)
		return v, true
	}
	return 0, false
}
