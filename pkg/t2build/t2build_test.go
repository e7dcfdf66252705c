package t2build

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/t2go/t2go/pkg/cliutil"
	"github.com/t2go/t2go/pkg/config"
	"github.com/t2go/t2go/pkg/iostreams"
	"github.com/t2go/t2go/pkg/plugins"
	"github.com/t2go/t2go/pkg/t2proc"
	"github.com/t2go/t2go/pkg/tooltest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	tooltest.Cleanup()
	os.Exit(code)
}

func run(t *testing.T, home string, only map[int]bool, stdin string, args ...string) (string, string, int) {
	t.Helper()
	if only == nil {
		only = map[int]bool{}
	}
	var out, errOut bytes.Buffer
	ios := iostreams.Test(stdin, &out, &errOut)
	cmd := NewCmd(ios, func(o *Options) error {
		o.Home = home
		o.Finder = t2proc.Finder{Only: only, Exes: testExes}
		return Run(o)
	})
	code := cliutil.Execute(cmd, ios, args, NormalizeArgs)
	return out.String(), errOut.String(), code
}

// testExes are what the in-process runs count as t2: only the stand-ins
// a test starts (none by default).
var testExes = []t2proc.Exe{}

func active(t *testing.T, home string) (string, bool) {
	t.Helper()
	c, err := config.Load(config.Options{Home: home})
	if err != nil {
		t.Fatal(err)
	}
	n, ex := c.ActivePlugins()
	return strings.Join(n, ","), ex
}

func TestArguments(t *testing.T) {
	hint := "Try 't2build --help' for more information.\n"
	tests := []struct {
		args           []string
		code           int
		stdout, stderr string
	}{
		{[]string{"-h"}, 0, usage, ""},
		{[]string{"--reset"}, 1, "Did you mean to call 't2conf --reset' instead?\n", "Unknown option '--reset'\n"},
		{[]string{"-x"}, 1, hint, "Unknown option '-x'\n"},
		{[]string{"-u"}, 1, hint, "Option '-u' needs the names of the plugins to deactivate\n"},
		{[]string{"-u", "-e", "txtSink"}, 1, hint, "Option '-u' cannot be combined with -a, -b or -e\n"},
		{[]string{"-p"}, 1, hint, "Option '-p' requires an argument\n"},
		{[]string{"basicFlw"}, 1, "Run 't2build -l' to list the plugins.\n", "Unknown plugin 'basicFlw' (did you mean basicFlow?)\n"},
		{[]string{"-u", "tranalyzer2"}, 1, "", "The core (tranalyzer2) cannot be deactivated\n"},
	}
	for _, tt := range tests {
		home := t.TempDir()
		out, errOut, code := run(t, home, nil, "", tt.args...)
		if code != tt.code || out != tt.stdout || errOut != tt.stderr {
			t.Errorf("t2build %v:\ncode %d stdout %q\nstderr %q\nwant %d %q %q", tt.args, code, out, errOut, tt.code, tt.stdout, tt.stderr)
		}
		if _, ex := active(t, home); ex {
			t.Errorf("t2build %v failed but wrote plugins.txt", tt.args)
		}
	}
}

// allStep is "t2build -a" after the tutorial's list: every compiled-in
// plugin in number order, the ones of that list already active.
func allStep() struct {
	args   []string
	stdout string
	active string
} {
	was := map[string]bool{"basicFlow": true, "basicStats": true, "tcpStates": true, "ftpDecode": true, "txtSink": true}
	out := "\n'Tranalyzer2'\n"
	var names []string
	for _, p := range plugins.All() {
		if was[p.Name] {
			out += "Plugin '" + p.Name + "': already active\n"
		} else {
			out += "Plugin '" + p.Name + "': activated\n"
		}
		names = append(names, p.Name)
	}
	return struct {
		args   []string
		stdout string
		active string
	}{[]string{"-a"}, out + "\nBUILDING SUCCESSFUL\n", strings.Join(names, ",")}
}

// The tutorial's sequence of t2build lines.
func TestTutorialSequence(t *testing.T) {
	home := t.TempDir()
	list := config.DisplayPath(filepath.Join(home, "plugins.txt"))
	steps := []struct {
		args   []string
		stdout string
		active string
	}{
		{[]string{"-e", "-y"}, "Are you sure you want to empty the plugin list '" + list + "' (y/N)? yes\nPlugin folder emptied\n(" + list + " is empty: no plugin is active, only the core)\n", ""},
		{[]string{"tranalyzer2", "basicFlow", "basicStats", "tcpStates", "ftpDecode", "txtSink"},
			"\n'Tranalyzer2'\nPlugin 'basicFlow': activated\nPlugin 'basicStats': activated\nPlugin 'tcpStates': activated\nPlugin 'ftpDecode': activated\nPlugin 'txtSink': activated\n\nBUILDING SUCCESSFUL\n",
			"basicFlow,basicStats,tcpStates,ftpDecode,txtSink"},
		{[]string{"-R"}, "\n'Tranalyzer2'\nPlugin 'basicFlow'\nPlugin 'basicStats'\nPlugin 'tcpStates'\nPlugin 'ftpDecode'\nPlugin 'txtSink'\n\nBUILDING SUCCESSFUL\n",
			"basicFlow,basicStats,tcpStates,ftpDecode,txtSink"},
		{[]string{"-u", "txtSink"}, "Plugin txtSink deactivated\n\nUNLOADING SUCCESSFUL\n", "basicFlow,basicStats,tcpStates,ftpDecode"},
		{[]string{"tranalyzer2"}, "\n'Tranalyzer2'\n\nBUILDING SUCCESSFUL\n", "basicFlow,basicStats,tcpStates,ftpDecode"},
		{[]string{"txtSink/", "901_txtSink.so", "basicFlow"}, "\n'Tranalyzer2'\nPlugin 'txtSink': activated\nPlugin 'basicFlow': already active\n\nBUILDING SUCCESSFUL\n",
			"basicFlow,basicStats,tcpStates,ftpDecode,txtSink"},
		{[]string{"-u", "protoStats"}, "Plugin protoStats was not active\n\nUNLOADING SUCCESSFUL\n", "basicFlow,basicStats,tcpStates,ftpDecode,txtSink"},
		allStep(),
	}
	for _, s := range steps {
		out, errOut, code := run(t, home, nil, "", s.args...)
		if code != 0 || errOut != "" || out != s.stdout {
			t.Fatalf("t2build %v: %d %q\nstdout %q\nwant   %q", s.args, code, errOut, out, s.stdout)
		}
		if got, ex := active(t, home); !ex || got != s.active {
			t.Fatalf("t2build %v: active %q (%v), want %q", s.args, got, ex, s.active)
		}
	}
	out, _, _ := run(t, home, nil, "", "-l")
	want := "000\ttranalyzer2\tcore (always active)\n"
	for _, p := range plugins.All() {
		want += fmt.Sprintf("%03d\t%s\tactive\n", p.Number, p.Name)
	}
	want += "(active list: " + list + ")\n"
	if out != want {
		t.Errorf("-l:\n%s\nwant\n%s", out, want)
	}
}

func TestEmptyAsks(t *testing.T) {
	tests := []struct {
		stdin  string
		code   int
		last   string
		active string
	}{
		{"n\n", 1, "Plugin folder not emptied\n", "basicFlow"},
		{"\n", 1, "Plugin folder not emptied\n", "basicFlow"},
		{"", 1, "Plugin folder not emptied\n", "basicFlow"},
		{"yes\n", 0, "is empty: no plugin is active, only the core)\n", ""},
		{"Y\n", 0, "is empty: no plugin is active, only the core)\n", ""},
	}
	for _, tt := range tests {
		home := t.TempDir()
		run(t, home, nil, "", "-e", "-y", "basicFlow")
		out, _, code := run(t, home, nil, tt.stdin, "-e")
		if code != tt.code || !strings.HasSuffix(out, tt.last) || !strings.Contains(out, "(y/N)? ") {
			t.Errorf("answer %q: %d %q", tt.stdin, code, out)
		}
		if got, _ := active(t, home); got != tt.active {
			t.Errorf("answer %q: active %q", tt.stdin, got)
		}
	}
}

// Without plugins.txt T2's default set is active (those of its members
// that are compiled in): naming a member changes nothing, naming another
// plugin writes the default set plus it, -u writes the set minus it, and
// -l marks the set. A new -p folder gets exactly the plugins built into
// it, as a new T2 plugin folder (it used to print BUILDING SUCCESSFUL and
// write nothing, so t2 -p DIR ran the home's or the default set).
func TestWithoutPluginList(t *testing.T) {
	home := t.TempDir()
	out, _, code := run(t, home, nil, "", "basicFlow")
	if code != 0 || !strings.Contains(out, "Plugin 'basicFlow': already active\n") {
		t.Errorf("add: %q", out)
	}
	if _, ex := active(t, home); ex {
		t.Error("naming an active plugin wrote plugins.txt")
	}
	out, _, _ = run(t, home, nil, "", "-l")
	if !strings.Contains(out, "301\tftpDecode\tinactive\n") || !strings.Contains(out, "120\tbasicStats\tactive\n") ||
		!strings.Contains(out, "(no plugins.txt: T2's default plugin set is active)") {
		t.Errorf("-l: %q", out)
	}
	home = t.TempDir()
	run(t, home, nil, "", "-u", "txtSink")
	if got, ex := active(t, home); !ex || got != "protoStats,basicFlow,basicStats,tcpStates" {
		t.Errorf("-u: %q %v", got, ex)
	}
	home = t.TempDir()
	out, _, _ = run(t, home, nil, "", "ftpDecode")
	if got, ex := active(t, home); !ex || got != "protoStats,basicFlow,basicStats,tcpStates,ftpDecode,txtSink" ||
		!strings.Contains(out, "Plugin 'ftpDecode': activated") {
		t.Errorf("add ftpDecode: %q %v\n%s", got, ex, out)
	}
	// -p DIR: a new folder gets exactly the named set, whatever the home has
	run(t, home, nil, "", "-e", "-y", "basicStats")
	dir := filepath.Join(t.TempDir(), "plugins")
	out, errOut, code := run(t, home, nil, "", "-p", dir, "tranalyzer2", "basicFlow", "tcpStates")
	if code != 0 || errOut != "" || !strings.Contains(out, "Plugin 'tcpStates': activated\n(new plugin folder ") || !strings.Contains(out, "BUILDING SUCCESSFUL") {
		t.Fatalf("-p: %d %q %q", code, out, errOut)
	}
	data, err := os.ReadFile(filepath.Join(dir, "plugins.txt"))
	if err != nil {
		t.Fatal(err)
	}
	names, _ := config.ParsePluginList("", data)
	if strings.Join(names, ",") != "basicFlow,tcpStates" {
		t.Errorf("-p DIR plugins.txt: %q", data)
	}
	if got, _ := active(t, home); got != "basicStats" {
		t.Errorf("home changed to %q", got)
	}
	// a new -p folder named with the default set's members only still
	// gets its list (nothing is "already active" in a new folder)
	dir2 := filepath.Join(t.TempDir(), "plugins")
	run(t, t.TempDir(), nil, "", "-p", dir2, "basicFlow")
	if data, err := os.ReadFile(filepath.Join(dir2, "plugins.txt")); err != nil || !strings.Contains(string(data), "basicFlow") {
		t.Errorf("-p new folder with basicFlow: %q %v", data, err)
	}
}

// T2's guard: asks while t2 runs; -y or "y" proceeds, anything else stops
// before changing anything.
func TestRunningGuard(t *testing.T) {
	dir := tooltest.OpenDir(t)
	testExes = []t2proc.Exe{{Path: filepath.Join(dir, "t2")}}
	defer func() { testExes = []t2proc.Exe{} }()
	p := tooltest.StartT2(t, dir, "t2", nil)
	decoy := tooltest.StartT2(t, dir, "t2decoy", nil)
	only := map[int]bool{p.PID: true, decoy.PID: true}
	notice := t2proc.RunningNotice([]t2proc.Proc{{PID: p.PID}})
	question := "\nTranalyzer is currently running...\n" + notice + "\nProceed anyway (y/N)? "
	tests := []struct {
		args  []string
		stdin string
		code  int
		out   string
	}{
		{[]string{"-R"}, "N\n", 1, question + "\n"},
		{[]string{"-e"}, "\n", 1, question + "\n"},
		{[]string{"-u", "txtSink"}, "no\n", 1, question + "\n"},
		{[]string{"basicFlow"}, "", 1, question + "\n\n"},
		{[]string{"-R"}, "y\n", 0, question + "\n'Tranalyzer2'\n"},
		{[]string{"-R", "-y"}, "", 0, question + "yes\n\n'Tranalyzer2'\n"},
	}
	for _, tt := range tests {
		home := t.TempDir()
		out, _, code := run(t, home, only, tt.stdin, tt.args...)
		if code != tt.code || !strings.HasPrefix(out, tt.out) {
			t.Errorf("t2build %v answering %q: %d\n%q\nwant prefix\n%q", tt.args, tt.stdin, code, out, tt.out)
		}
		if _, ex := active(t, home); ex {
			t.Errorf("t2build %v: wrote plugins.txt", tt.args)
		}
	}
	// -l only reads: no question
	if out, _, _ := run(t, t.TempDir(), only, "", "-l"); strings.Contains(out, "running") {
		t.Errorf("-l asked: %q", out)
	}
}

func TestRebuildReportsBadFiles(t *testing.T) {
	tests := []struct {
		file, content string
		stderr        string
	}{
		{"tranalyzer2.toml", "# x\nMONINTV = \"abc\"\n", `tranalyzer2.toml:2: MONINTV = "abc": expected a number in [0.001 - 86400]`},
		{"tranalyzer2.toml", "VERBOSE = 9\n", "tranalyzer2.toml:1: VERBOSE = 9: expected one of"},
		{"plugins.txt", "basicFlow\nnoSuchPlugin\n", "plugins.txt: unknown plugin 'noSuchPlugin'"},
		{"plugins.txt", "basic Flow\n", `plugins.txt:1: "basic Flow": expected a plugin name`},
	}
	for _, tt := range tests {
		home := t.TempDir()
		os.WriteFile(filepath.Join(home, tt.file), []byte(tt.content), 0o644)
		out, errOut, code := run(t, home, nil, "", "-R")
		if code != 1 || !strings.Contains(errOut, tt.stderr) || strings.Count(errOut, "\n") != 1 || strings.Contains(out, "SUCCESSFUL") {
			t.Errorf("%s %q: %d %q %q", tt.file, tt.content, code, out, errOut)
		}
	}
}

func TestListFile(t *testing.T) {
	home := t.TempDir()
	lf := filepath.Join(t.TempDir(), "plugins.build")
	os.WriteFile(lf, []byte("# mine\n100_basicFlow.so\ntcpStates\n"), 0o644)
	run(t, home, nil, "", "-e", "-y")
	if _, errOut, code := run(t, home, nil, "", "-b", lf); code != 0 {
		t.Fatal(errOut)
	}
	if got, _ := active(t, home); got != "basicFlow,tcpStates" {
		t.Errorf("-b: %q", got)
	}
	// -p writes the plugin folder's list, which then wins
	pdir := t.TempDir()
	run(t, home, nil, "", "-p", pdir, "-u", "tcpStates")
	c, _ := config.Load(config.Options{Home: home, PluginDir: pdir})
	if n, _ := c.ActivePlugins(); strings.Join(n, ",") != "basicFlow" {
		t.Errorf("-p: %v", n)
	}
	if got, _ := active(t, home); got != "basicFlow,tcpStates" {
		t.Errorf("-p changed the home list: %q", got)
	}
}

// INT and TERM end t2build within a second while it waits at its y/N
// questions (-e's and the running guard's), and nothing changes.
func TestPromptEndsOnSignals(t *testing.T) {
	bin := tooltest.Bin(t)
	for _, tt := range []struct {
		args   []string
		prompt string
		sig    syscall.Signal
	}{
		{[]string{"-e"}, "(y/N)? ", syscall.SIGINT},
		{[]string{"-e"}, "(y/N)? ", syscall.SIGTERM},
		{[]string{"-R"}, "Proceed anyway (y/N)? ", syscall.SIGINT},
		{[]string{"-u", "basicFlow"}, "Proceed anyway (y/N)? ", syscall.SIGTERM},
	} {
		if tt.args[0] != "-e" {
			// the guard asks while the t2 next to t2build runs
			p := tooltest.StartBinT2(t, nil)
			defer syscall.Kill(p.PID, syscall.SIGKILL)
		}
		home := t.TempDir()
		run(t, home, nil, "", "-e", "-y", "basicFlow")
		cmd := exec.Command(filepath.Join(bin, "t2build"), tt.args...)
		cmd.Env = append(os.Environ(), "T2_HOME="+home)
		stdin, _ := cmd.StdinPipe() // stays open: t2build waits for an answer
		out := &tooltest.SyncBuffer{}
		cmd.Stdout = out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(out.String(), tt.prompt) && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if !strings.Contains(out.String(), tt.prompt) {
			cmd.Process.Kill()
			t.Fatalf("t2build %v: no question: %q", tt.args, out.String())
		}
		cmd.Process.Signal(tt.sig)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err == nil {
				t.Errorf("t2build %v: exit 0 after %v", tt.args, tt.sig)
			}
		case <-time.After(time.Second):
			cmd.Process.Kill()
			<-done
			t.Errorf("t2build %v still waits 1 s after %v", tt.args, tt.sig)
		}
		stdin.Close()
		if got, _ := active(t, home); got != "basicFlow" {
			t.Errorf("t2build %v interrupted: active list now %q", tt.args, got)
		}
	}
}
