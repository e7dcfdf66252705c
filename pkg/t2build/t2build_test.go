package t2build

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/t2go/t2go/pkg/cliutil"
	"github.com/t2go/t2go/pkg/config"
	"github.com/t2go/t2go/pkg/iostreams"
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
	c := &Command{IO: iostreams.Test(stdin, &out, &errOut), Home: home, Finder: t2proc.Finder{Only: only}}
	code := cliutil.ExitCode("t2build", c.Run(args), &errOut)
	return out.String(), errOut.String(), code
}

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
		{[]string{"-a"}, "\n'Tranalyzer2'\nPlugin 'protoStats': activated\nPlugin 'basicFlow': already active\nPlugin 'basicStats': already active\nPlugin 'tcpStates': already active\nPlugin 'ftpDecode': already active\nPlugin 'txtSink': already active\n\nBUILDING SUCCESSFUL\n",
			"protoStats,basicFlow,basicStats,tcpStates,ftpDecode,txtSink"},
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
	want := "000\ttranalyzer2\tcore (always active)\n001\tprotoStats\tactive\n100\tbasicFlow\tactive\n120\tbasicStats\tactive\n132\ttcpStates\tactive\n301\tftpDecode\tactive\n901\ttxtSink\tactive\n(active list: " + list + ")\n"
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
// -l marks the set.
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
}

// T2's guard: asks while t2 runs; -y or "y" proceeds, anything else stops
// before changing anything.
func TestRunningGuard(t *testing.T) {
	dir := tooltest.OpenDir(t)
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
