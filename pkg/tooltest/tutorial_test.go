package tooltest_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/t2go/t2go/pkg/config"
	"github.com/t2go/t2go/pkg/tooltest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	tooltest.Cleanup()
	os.Exit(code)
}

type shell struct {
	t   *testing.T
	env []string
}

// run types line into sh -c, as a user would.
func (s shell) run(line, stdin string) (string, string, int) {
	s.t.Helper()
	cmd := exec.Command("sh", "-c", line)
	cmd.Env = s.env
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		s.t.Fatal(err)
	}
	return out.String(), errOut.String(), code
}

// Every t2conf/t2build/t2stat command line of the tutorial, typed as
// written, in a PID namespace where the only t2 is the test's stand-in.
func TestTutorialCommandLines(t *testing.T) {
	if !tooltest.InPIDNamespace(t) {
		return
	}
	bin := tooltest.Bin(t)
	home := t.TempDir()
	t2home := filepath.Join(home, ".tranalyzer")
	sh := shell{t, []string{"PATH=" + bin + ":/usr/bin:/bin", "HOME=" + home, "LANG=C"}}
	cfg := func() *config.Config {
		c, err := config.Load(config.Options{Home: t2home})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}

	if out, _, code := sh.run("t2stat", ""); code != 0 || out != "No running instance of Tranalyzer found\n" {
		t.Fatalf("t2stat: %d %q", code, out)
	}
	if out, _, code := sh.run("t2stat -h", ""); code != 0 || !strings.HasPrefix(out, "Usage:\n    t2stat [OPTION...]\n") {
		t.Fatalf("t2stat -h: %d %q", code, out)
	}

	lines := []struct {
		line  string
		check func(c *config.Config) bool
	}{
		{"t2build -e -y", func(c *config.Config) bool { n, ex := c.ActivePlugins(); return ex && len(n) == 0 }},
		{"t2build tranalyzer2 basicFlow basicStats tcpStates ftpDecode txtSink", func(c *config.Config) bool {
			n, _ := c.ActivePlugins()
			return strings.Join(n, " ") == "basicFlow basicStats tcpStates ftpDecode txtSink"
		}},
		{"t2conf tranalyzer2 -D MACHINE_REPORT=1 -D DIFF_REPORT=1 && t2build -R", func(c *config.Config) bool {
			return c.Int(config.Core, "MACHINE_REPORT") == 1 && c.Int(config.Core, "DIFF_REPORT") == 1
		}},
		{"t2build -u txtSink", func(c *config.Config) bool {
			n, _ := c.ActivePlugins()
			return strings.Join(n, " ") == "basicFlow basicStats tcpStates ftpDecode"
		}},
		{"t2conf -D MONINTV=10", func(c *config.Config) bool { return c.Float(config.Core, "MONINTV") == 10 }},
		{"t2conf tranalyzer2 -D MONINTTMPCP=1 -D MONINTV=10 && t2build tranalyzer2", func(c *config.Config) bool {
			return c.Int(config.Core, "MONINTTMPCP") == 1 && c.Float(config.Core, "MONINTV") == 10
		}},
		{"t2build tranalyzer2", nil},
		{"t2conf tranalyzer2 -D MONINTTMPCP_ON=1 -D MONINTPSYNC=0 && t2build tranalyzer2", func(c *config.Config) bool {
			return c.Int(config.Core, "MONINTTMPCP_ON") == 1 && c.Int(config.Core, "MONINTPSYNC") == 0
		}},
		{"t2conf tranalyzer2 -D MONINTV=1 && t2build tranalyzer2", func(c *config.Config) bool { return c.Float(config.Core, "MONINTV") == 1 }},
		{"t2conf tranalyzer2 -D MONINTTMPCP_ON=0 -D MONINTTMPCP=0 -D MONINTV=1 -D DIFF_REPORT=0 -D MACHINE_REPORT=0 -D MONINTPSYNC=1", func(c *config.Config) bool {
			return c.Int(config.Core, "MONINTTMPCP_ON") == 0 && c.Int(config.Core, "MACHINE_REPORT") == 0 && c.Int(config.Core, "MONINTPSYNC") == 1
		}},
		{"t2build -R", nil},
		{"t2conf -D MONINTV=10", nil},
		{"t2conf --reset -a && t2build -R", func(c *config.Config) bool {
			_, ex := c.ActivePlugins()
			return !ex && c.Float(config.Core, "MONINTV") == 1 && c.Int(config.Core, "MACHINE_REPORT") == 0
		}},
	}
	for _, l := range lines {
		out, errOut, code := sh.run(l.line, "")
		if code != 0 || errOut != "" {
			t.Fatalf("%s: exit %d\nstdout %q\nstderr %q", l.line, code, out, errOut)
		}
		if strings.Contains(l.line, "t2build") && !strings.Contains(l.line, "-e") && !strings.Contains(out, "SUCCESSFUL") {
			t.Errorf("%s: %q", l.line, out)
		}
		if l.check != nil && !l.check(cfg()) {
			t.Errorf("%s: not in effect", l.line)
		}
	}

	// With t2 running, the tutorial's user answers N to t2build's question.
	t2 := tooltest.StartBinT2(t, nil)
	out, errOut, code := sh.run("t2conf tranalyzer2 -D MACHINE_REPORT=1 -D DIFF_REPORT=1 && t2build -R", "N\n")
	if code != 1 || !strings.Contains(out, "Tranalyzer is currently running...\n") || !strings.HasSuffix(out, "Proceed anyway (y/N)? \n") ||
		!strings.Contains(errOut, "running instances keep their current settings") {
		t.Errorf("guard: %d %q %q", code, out, errOut)
	}

	// t2stat lines against the running stand-in.
	steps := []struct {
		line, await string
		count       int
	}{
		{"t2stat", "USR1MR_A", 1},
		{"t2stat -s", "USR1MR_A", 2},
		{"t2stat -s -USR2", "periodic true", 1},
		{"t2stat -s -USR2", "periodic false", 1},
		{"t2stat -s -SIGINT", "SIGINT: Stop flow creation", 1},
		{"t2stat -s -SIGINT", "SIGINT: Remove all flows and exit", 1},
	}
	for _, s := range steps {
		if out, errOut, code := sh.run(s.line, ""); code != 0 || out != "" || errOut != "" {
			t.Fatalf("%s: %d %q %q", s.line, code, out, errOut)
		}
		if !t2.WaitCount(s.await, s.count, 5*time.Second) {
			t.Fatalf("%s: t2 printed %q", s.line, t2.Output())
		}
	}
	if !t2.WaitExit(5 * time.Second) {
		t.Fatal("t2 still runs after two SIGINTs")
	}
	t2 = tooltest.StartBinT2(t, nil)
	// "t2stat 30" runs until Ctrl-C, which reaches the whole foreground
	// process group. (A non-interactive sh would die of the SIGINT itself,
	// so the binary is started directly, with the same arguments.)
	cmd := exec.Command(filepath.Join(bin, "t2stat"), "30")
	cmd.Env = sh.env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var intervalOut bytes.Buffer
	cmd.Stdout = &intervalOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if !t2.WaitFor("USR1MR_A", 5*time.Second) {
		t.Errorf("t2stat 30: no report")
	}
	syscall.Kill(-cmd.Process.Pid, syscall.SIGINT) // Ctrl-C
	if err := cmd.Wait(); err != nil {
		t.Errorf("t2stat 30 after Ctrl-C: %v %q", err, intervalOut.String())
	}
	if out, errOut, code := sh.run("t2stat -s -TERM", ""); code != 0 || out != "" || errOut != "" || !t2.WaitExit(5*time.Second) {
		t.Errorf("t2stat -s -TERM: %d %q %q %q", code, out, errOut, t2.Output())
	}
}
