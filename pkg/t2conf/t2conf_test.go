package t2conf

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/t2go/t2go/configs"
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

// run executes t2conf in-process with home as config home; running t2
// instances are looked for among only (none when nil).
func run(t *testing.T, home string, only map[int]bool, args ...string) (string, string, int) {
	t.Helper()
	if only == nil {
		only = map[int]bool{}
	}
	var out, errOut bytes.Buffer
	ios := iostreams.Test("", &out, &errOut)
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

func coreFile(home string) string { return filepath.Join(home, "tranalyzer2.toml") }

func load(t *testing.T, home string) *config.Config {
	t.Helper()
	c, err := config.Load(config.Options{Home: home})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestArguments(t *testing.T) {
	hint := "Try 't2conf --help' for more information.\n"
	tests := []struct {
		args           []string
		code           int
		stdout, stderr string
	}{
		{nil, 1, usage, ""},
		{[]string{"-h"}, 0, usage, ""},
		{[]string{"--help"}, 0, usage, ""},
		{[]string{"-x"}, 1, hint, "Unknown option '-x'\n"},
		{[]string{"-E"}, 1, hint, "Unknown option '-E'\n"},
		{[]string{"-D"}, 1, hint, "Option '-D' requires an argument\n"},
		{[]string{"-D", "MONINTV"}, 1, hint, "Option '-D': expected name=value, found 'MONINTV'\n"},
		{[]string{"-D", "=3"}, 1, hint, "Option '-D': expected name=value, found '=3'\n"},
		{[]string{"tranalyzer2", "basicFlow", "-D", "A=1"}, 1, hint, "-D and -G options can only be used with ONE plugin\n"},
		{[]string{"tranalyzr2", "-I"}, 1, hint, "Unknown plugin 'tranalyzr2' (did you mean tranalyzer2?)\n"},
		{[]string{"-a", "-0"}, 1, hint, "Options -a and -0 cannot be used together\n"},
		{[]string{"basicFlow", "-m"}, 1, hint, "Options -m, --dual, --ip4 and --ip6 configure tranalyzer2, not 'basicFlow'\n"},
		{[]string{"-D", "MONINTVV=3"}, 1, "", "t2conf: tranalyzer2: unknown setting 'MONINTVV' (did you mean MONINTV, MONINTBLK?); 't2conf tranalyzer2 -I' lists them all\n"},
		{[]string{"-D", "MONINTV=abc"}, 1, "", "t2conf: tranalyzer2: MONINTV = abc: expected a number in [0.001 - 86400]\n"},
		{[]string{"-D", "MACHINE_REPORT=maybe"}, 1, "", "t2conf: tranalyzer2: MACHINE_REPORT = maybe: expected one of 0 (human-readable text), 1 (one tab-separated line per report, after a header line) (or no/yes)\n"},
		{[]string{"-G", "MONINTV"}, 0, "MONINTV = 1.0\n", ""},
		{[]string{"tranalyzer2", "-G", "MONPROTL3", "-G", "MONPROTFL"}, 0, "MONPROTL3 = [\"L3_TCP\", \"L3_UDP\", \"L3_ICMP\", \"L3_ICMP6\", \"L3_SCTP\"]\nMONPROTFL = \"proto.txt\"\n", ""},
		{[]string{"-G", "NOPE"}, 1, "", "t2conf: tranalyzer2: unknown setting 'NOPE'; 't2conf tranalyzer2 -I' lists them all\n"},
	}
	for _, tt := range tests {
		home := t.TempDir()
		out, errOut, code := run(t, home, nil, tt.args...)
		if code != tt.code || out != tt.stdout || errOut != tt.stderr {
			t.Errorf("t2conf %v:\ncode %d stdout %q\nstderr %q\nwant %d %q %q", tt.args, code, out, errOut, tt.code, tt.stdout, tt.stderr)
		}
		if tt.code != 0 {
			if _, err := os.Stat(coreFile(home)); err == nil {
				t.Errorf("t2conf %v failed but wrote a file", tt.args)
			}
		}
	}
}

// The tutorial's t2conf lines set what they say; comments and layout stay.
func TestTutorialEdits(t *testing.T) {
	home := t.TempDir()
	steps := []struct {
		args []string
		want map[string]string
	}{
		{[]string{"tranalyzer2", "-D", "MACHINE_REPORT=1", "-D", "DIFF_REPORT=1"}, map[string]string{"MACHINE_REPORT": "1", "DIFF_REPORT": "1"}},
		{[]string{"-D", "MONINTV=10"}, map[string]string{"MONINTV": "10.0"}},
		{[]string{"tranalyzer2", "-D", "MONINTTMPCP=1", "-D", "MONINTV=10"}, map[string]string{"MONINTTMPCP": "1", "MONINTV": "10.0"}},
		{[]string{"tranalyzer2", "-D", "MONINTTMPCP_ON=1", "-D", "MONINTPSYNC=0"}, map[string]string{"MONINTTMPCP_ON": "1", "MONINTPSYNC": "0"}},
		{[]string{"tranalyzer2", "-D", "MONINTV=1"}, map[string]string{"MONINTV": "1.0"}},
		{[]string{"tranalyzer2", "-D", "MONINTTMPCP_ON=0", "-D", "MONINTTMPCP=0", "-D", "MONINTV=1", "-D", "DIFF_REPORT=0", "-D", "MACHINE_REPORT=0", "-D", "MONINTPSYNC=1"},
			map[string]string{"MONINTTMPCP_ON": "0", "MONINTTMPCP": "0", "DIFF_REPORT": "0", "MACHINE_REPORT": "0", "MONINTPSYNC": "1"}},
		{[]string{"-m"}, map[string]string{"MONINTPSYNC": "1", "MONINTTMPCP": "1", "VERBOSE": "0", "DIFF_REPORT": "1", "MACHINE_REPORT": "1"}},
		{[]string{"-D", "MONINTPSYNC=no", "-D", "MONINTBLK=yes", "-DVERBOSE=3"}, map[string]string{"MONINTPSYNC": "0", "MONINTBLK": "1", "VERBOSE": "3"}},
		{[]string{"-D", "MONINTPSYNC=default", "-D", "MONINTBLK=default"}, map[string]string{"MONINTPSYNC": "1", "MONINTBLK": "0"}},
		{[]string{"--ip4"}, map[string]string{"IPV6_ACTIVATE": "0"}},
		{[]string{"-D", "MONPROTL3=L3_TCP,L3_GRE,17"}, map[string]string{"MONPROTL3": `["L3_TCP", "L3_GRE", "17"]`}},
	}
	for _, s := range steps {
		out, errOut, code := run(t, home, nil, s.args...)
		if code != 0 || out != "" || errOut != "" {
			t.Fatalf("t2conf %v: %d %q %q", s.args, code, out, errOut)
		}
		c := load(t, home)
		comp, _ := c.Component(config.Core)
		for k, v := range s.want {
			if comp.Raw(k) != v {
				t.Errorf("after %v: %s = %s, want %s", s.args, k, comp.Raw(k), v)
			}
		}
	}
	checkComments(t, home)
}

// checkComments asserts that every comment and blank line of the default
// file is still in the user's file, in order, and that the keys keep their
// order.
func checkComments(t *testing.T, home string) {
	t.Helper()
	def, _ := configs.FS.ReadFile("tranalyzer2.toml")
	got, err := os.ReadFile(coreFile(home))
	if err != nil {
		t.Fatal(err)
	}
	dl, gl := strings.Split(string(def), "\n"), strings.Split(string(got), "\n")
	if len(dl) != len(gl) {
		t.Fatalf("line count %d, default %d", len(gl), len(dl))
	}
	for i := range dl {
		d, g := dl[i], gl[i]
		if strings.HasPrefix(d, "#") || d == "" {
			if d != g {
				t.Errorf("line %d: %q became %q", i+1, d, g)
			}
			continue
		}
		dk, _, _ := strings.Cut(d, "=")
		gk, _, _ := strings.Cut(g, "=")
		if dk != gk {
			t.Errorf("line %d: key %q became %q", i+1, dk, gk)
		}
	}
}

// Setting every key to a new value and then back to "default" gives the
// default file back byte for byte.
func TestRoundTripEveryKey(t *testing.T) {
	home := t.TempDir()
	c := load(t, home)
	comp, _ := c.Component(config.Core)
	var set, reset []string
	for _, k := range comp.Keys() {
		s, _ := comp.Spec(k)
		var v string
		switch {
		case len(s.Choices) > 0:
			v = fmt.Sprint(s.Choices[len(s.Choices)-1].Value)
			if v == s.DefaultText {
				v = fmt.Sprint(s.Choices[0].Value)
			}
		case s.Kind == config.KindInt:
			v = fmt.Sprint(int64(s.Max))
			if v == s.DefaultText {
				v = fmt.Sprint(int64(s.Min))
			}
		case s.Kind == config.KindFloat:
			v = "2.5"
		case s.Kind == config.KindString:
			v = "other.txt"
		case s.Kind == config.KindList:
			v = "6"
			if k == "MONPROTL2" {
				v = "ETHERTYPE_IP"
			}
		}
		set = append(set, "-D", k+"="+v)
		reset = append(reset, "-D", k+"=default")
	}
	if _, errOut, code := run(t, home, nil, set...); code != 0 {
		t.Fatal(errOut)
	}
	changed, _ := os.ReadFile(coreFile(home))
	def, _ := configs.FS.ReadFile("tranalyzer2.toml")
	if bytes.Equal(changed, def) {
		t.Fatal("nothing changed")
	}
	c = load(t, home)
	comp, _ = c.Component(config.Core)
	for _, k := range comp.Keys() {
		if s, _ := comp.Spec(k); comp.Raw(k) == s.DefaultText {
			t.Errorf("%s still has its default", k)
		}
	}
	checkComments(t, home)
	if _, errOut, code := run(t, home, nil, reset...); code != 0 {
		t.Fatal(errOut)
	}
	back, _ := os.ReadFile(coreFile(home))
	if !bytes.Equal(back, def) {
		t.Errorf("-D NAME=default for every key did not restore the default file")
	}
}

// 100 bad values: each leaves the user's file byte-identical (and no file
// is created where there was none).
func TestBadValuesWriteNothing(t *testing.T) {
	home := t.TempDir()
	if _, errOut, code := run(t, home, nil, "-D", "MONINTV=10", "-D", "VERBOSE=1"); code != 0 {
		t.Fatal(errOut)
	}
	before, _ := os.ReadFile(coreFile(home))
	bad := []string{
		"MONINTV=abc", "MONINTV=0", "MONINTV=-1", "MONINTV=86401", "MONINTV=", "MONINTV=yes", "MONINTV=NaN", "MONINTV=Inf", "MONINTV=1e9", "MONINTV=0x",
		"VERBOSE=4", "VERBOSE=-1", "VERBOSE=yes", "VERBOSE=1.5", "VERBOSE=two", "VERBOSE=", "VERBOSE=99999999999999999999",
		"MACHINE_REPORT=2", "MACHINE_REPORT=maybe", "MACHINE_REPORT=-1", "DIFF_REPORT=2", "DIFF_REPORT=ja",
		"MONINTPSYNC=2", "MONINTTMPCP=3", "MONINTTMPCP_ON=y", "MONINTTHRD=10", "MONINTBLK=-0.5", "PLUGIN_REPORT=on1",
		"ETH_ACTIVATE=3", "IPV6_ACTIVATE=3", "IPV6_ACTIVATE=yes", "PACKETLENGTH=4", "SCTP_ACTIVATE=2",
		"SNAPLEN=10", "SNAPLEN=1000000", "RXBUFSIZE=1", "POLLTM=0", "HASHCHAINTABLE_BASE_SIZE=1",
		"T2_SENSORID=-5", "T2_SENSORID=4294967296", "FLOW_TIMEOUT=0", "FLOW_TIMEOUT=x", "NUMFLWRM=0",
		"MONPROTL3=L3_FOO", "MONPROTL3=256", "MONPROTL3=6,,17", "MONPROTL3=[6]", "MONPROTL2=ETHERTYPE_NOPE", "MONPROTL2=0x10000", "MONPROTL2=[\"x\"",
		"MONPROTFL=\"unterminated", "MONPROTFL=\"a\\q\"",
		"MONINTVV=1", "monintv=1", "MONINT=1", "NOPE=1", "VERBOSITY=1", "DIFFREPORT=1", "MACHINEREPORT=1", "MONINTTMPCPON=1",
	}
	for i := 0; len(bad) < 100; i++ {
		// more out-of-range and malformed numbers, generated
		bad = append(bad, fmt.Sprintf("MONINTV=%d.5.%d", i, i), fmt.Sprintf("VERBOSE=%d", 4+i))
	}
	bad = bad[:100]
	for _, b := range bad {
		_, errOut, code := run(t, home, nil, "-D", "MONINTV=2", "-D", b)
		if code == 0 {
			t.Errorf("-D %s accepted", b)
		}
		if strings.Count(errOut, "\n") != 1 {
			t.Errorf("-D %s: error is not one line: %q", b, errOut)
		}
		after, _ := os.ReadFile(coreFile(home))
		if !bytes.Equal(before, after) {
			t.Fatalf("-D %s changed the file", b)
		}
	}
	// a fresh home stays empty
	fresh := t.TempDir()
	for _, b := range bad[:10] {
		run(t, fresh, nil, "-D", b)
	}
	if entries, _ := os.ReadDir(fresh); len(entries) > 1 { // the lock file only
		t.Errorf("files written: %v", entries)
	}
}

func TestResetAndPluginSwitches(t *testing.T) {
	home := t.TempDir()
	pdir := t.TempDir()
	run(t, home, nil, "-D", "MONINTV=10")
	out, _, code := run(t, home, nil, "-0")
	if code != 0 || out != "All plugins deactivated (only the core stays active)\n" {
		t.Errorf("-0: %q", out)
	}
	if n, ex := load(t, home).ActivePlugins(); !ex || len(n) != 0 {
		t.Errorf("-0: %v %v", n, ex)
	}
	run(t, home, nil, "-a")
	n, ex := load(t, home).ActivePlugins()
	var all []string
	for _, p := range plugins.All() {
		all = append(all, p.Name)
	}
	if !ex || strings.Join(n, ",") != strings.Join(all, ",") {
		t.Errorf("-a: %v, want every plugin of the catalogue %v", n, all)
	}
	// --reset without -a: only the core
	run(t, home, nil, "-0")
	out, _, code = run(t, home, nil, "--reset")
	if code != 0 || out != "tranalyzer2: default settings restored\n" {
		t.Errorf("--reset: %d %q", code, out)
	}
	if _, err := os.Stat(coreFile(home)); err == nil {
		t.Error("--reset kept the user file")
	}
	if _, ex := load(t, home).ActivePlugins(); !ex {
		t.Error("--reset without -a touched the plugin list")
	}
	// --reset -a: every component and the plugin list
	run(t, home, nil, "-D", "MONINTV=10")
	run(t, home, nil, "basicFlow", "-D", firstKey(t, "basicFlow")+"=default")
	out, _, code = run(t, home, nil, "--reset", "-a")
	if code != 0 || !strings.HasPrefix(out, "tranalyzer2: default settings restored\n") || !strings.HasSuffix(out, "Default plugin set restored (every plugin active)\n") {
		t.Errorf("--reset -a: %q", out)
	}
	c := load(t, home)
	if c.Float(config.Core, "MONINTV") != 1 {
		t.Error("MONINTV not reset")
	}
	if _, ex := c.ActivePlugins(); ex {
		t.Error("plugin list not reset")
	}
	entries, _ := os.ReadDir(home)
	for _, e := range entries {
		if e.Name() != config.LockName {
			t.Errorf("left over: %s", e.Name())
		}
	}
	// with -p, a home file is shadowed by a default copy in the folder
	run(t, home, nil, "-D", "MONINTV=10")
	run(t, home, nil, "-p", pdir, "--reset")
	c, _ = config.Load(config.Options{Home: home, PluginDir: pdir})
	if c.Float(config.Core, "MONINTV") != 1 {
		t.Error("-p --reset: home value still in effect")
	}
	// -p edits the folder's file, starting from the home's values
	run(t, home, nil, "-p", pdir, "-D", "VERBOSE=1")
	c, _ = config.Load(config.Options{Home: home, PluginDir: pdir})
	if c.Int(config.Core, "VERBOSE") != 1 || load(t, home).Int(config.Core, "VERBOSE") != 2 {
		t.Error("-p -D did not write the plugin folder")
	}
}

func firstKey(t *testing.T, comp string) string {
	c := load(t, t.TempDir())
	cc, ok := c.Component(comp)
	if !ok || len(cc.Keys()) == 0 {
		t.Skipf("%s has no settings", comp)
	}
	return cc.Keys()[0]
}

func TestInfo(t *testing.T) {
	home := t.TempDir()
	run(t, home, nil, "-D", "MONINTV=10")
	out, _, code := run(t, home, nil, "tranalyzer2", "-I")
	if code != 0 {
		t.Fatal(code)
	}
	for _, want := range []string{
		"# tranalyzer2 (" + config.DisplayPath(coreFile(home)) + ")\n",
		"MONINTV = 10.0\n    default: 1.0   allowed: [0.001 - 86400]\n    Seconds between two periodic reports (fractions allowed).\n",
		"MACHINE_REPORT = 0\n    default: 0   allowed: 0 (human-readable text), 1 (one tab-separated line per report, after a header line)\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("-I lacks %q", want)
		}
	}
	c := load(t, home)
	comp, _ := c.Component(config.Core)
	if strings.Count(out, "    default: ") != len(comp.Keys()) {
		t.Errorf("-I does not list every key")
	}
	// a component without an action shows its settings too
	if out2, _, _ := run(t, home, nil, "tranalyzer2"); out2 != out {
		t.Error("t2conf tranalyzer2 differs from -I")
	}
}

// The MONINTV test of the issue, on the config side: after t2conf the
// analyzer's config.Load with the same home sees 10 s.
func TestMonintvReachesLoad(t *testing.T) {
	home := t.TempDir()
	t.Setenv("T2_HOME", home)
	if _, errOut, code := run(t, "", nil, "-D", "MONINTV=10"); code != 0 {
		t.Fatal(errOut)
	}
	c, err := config.Load(config.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Float(config.Core, "MONINTV") != 10 {
		t.Errorf("MONINTV = %v", c.Float(config.Core, "MONINTV"))
	}
}

func TestRunningNotice(t *testing.T) {
	dir := tooltest.OpenDir(t)
	testExes = []t2proc.Exe{{Path: filepath.Join(dir, "t2"), Why: "the test's t2"}}
	defer func() { testExes = []t2proc.Exe{} }()
	p := tooltest.StartT2(t, dir, "t2", nil)
	home := t.TempDir()
	_, errOut, code := run(t, home, map[int]bool{p.PID: true}, "-D", "MONINTV=10")
	if code != 0 || errOut != t2proc.RunningNotice([]t2proc.Proc{{PID: p.PID}})+"\n" {
		t.Errorf("notice: %q", errOut)
	}
	// -G changes nothing, so no notice
	if _, errOut, _ = run(t, home, map[int]bool{p.PID: true}, "-G", "MONINTV"); errOut != "" {
		t.Errorf("-G printed %q", errOut)
	}
}

// Two t2conf processes editing at once: both edits land and the file is
// always valid.
func TestConcurrentProcesses(t *testing.T) {
	bin := tooltest.Bin(t)
	home := t.TempDir()
	env := append(os.Environ(), "T2_HOME="+home)
	for round := 0; round < 15; round++ {
		v1, v2 := fmt.Sprintf("%d.5", round+2), fmt.Sprint(round%4)
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, args := range [][]string{{"-D", "MONINTV=" + v1}, {"tranalyzer2", "-D", "VERBOSE=" + v2}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cmd := exec.Command(filepath.Join(bin, "t2conf"), args...)
				cmd.Env = env
				if out, err := cmd.CombinedOutput(); err != nil {
					errs[i] = fmt.Errorf("%v: %s", err, out)
				}
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		c := load(t, home)
		comp, _ := c.Component(config.Core)
		if comp.Raw("MONINTV") != v1 || comp.Raw("VERBOSE") != v2 {
			t.Fatalf("round %d: lost an edit: MONINTV=%s VERBOSE=%s", round, comp.Raw("MONINTV"), comp.Raw("VERBOSE"))
		}
	}
	checkComments(t, home)
	entries, _ := os.ReadDir(home)
	if len(entries) != 2 {
		t.Errorf("temp files left: %v", entries)
	}
}

// Reading needs no lock: -G and -I work in a folder the user cannot
// write (they failed with "lock: permission denied").
func TestReadOnlyFolder(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run t2conf as another user")
	}
	bin := tooltest.Bin(t)
	home := tooltest.OpenDir(t)
	os.WriteFile(coreFile(home), []byte("MONINTV = 7.5\n"), 0o644)
	os.Chmod(home, 0o755) // root's, read-only for nobody
	nobody := &syscall.Credential{Uid: 65534, Gid: 65534}
	runNobody := func(args ...string) (string, string, int) {
		cmd := exec.Command(filepath.Join(bin, "t2conf"), args...)
		cmd.Env = append(os.Environ(), "T2_HOME="+home, "HOME=/nonexistent")
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: nobody}
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		return out.String(), errOut.String(), code
	}
	if out, errOut, code := runNobody("-G", "MONINTV"); code != 0 || out != "MONINTV = 7.5\n" || errOut != "" {
		t.Errorf("-G: %d %q %q", code, out, errOut)
	}
	if out, errOut, code := runNobody("tranalyzer2", "-I"); code != 0 || !strings.Contains(out, "MONINTV = 7.5\n") || errOut != "" {
		t.Errorf("-I: %d %q", code, errOut)
	}
	// a change still needs the folder: one clear line, nothing written
	if _, errOut, code := runNobody("-D", "MONINTV=3"); code != 1 || !strings.Contains(errOut, "belongs to user 0") {
		t.Errorf("-D in a read-only folder: %d %q", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(home, config.LockName)); err == nil {
		t.Error("lock file created")
	}
}

// sudo t2conf (simulated: root with SUDO_UID of the folder's owner) with
// a .t2conf.lock that the user planted as a link to a file only root may
// create: refused, and the file is not created.
func TestSudoPlantedLock(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to act as sudo")
	}
	bin := tooltest.Bin(t)
	base := tooltest.OpenDir(t)
	victim := filepath.Join(base, "etc", "nologin")
	os.Mkdir(filepath.Dir(victim), 0o755)
	home := filepath.Join(base, "home")
	os.Mkdir(home, 0o755)
	os.Chown(home, 65534, 65534)
	os.Symlink(victim, filepath.Join(home, config.LockName))
	cmd := exec.Command(filepath.Join(bin, "t2conf"), "-D", "MONINTV=10")
	cmd.Env = append(os.Environ(), "T2_HOME="+home, "SUDO_UID=65534", "SUDO_USER=nobody")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "is a symbolic link; remove it") {
		t.Errorf("t2conf with a planted lock link: %v %q", err, out)
	}
	if _, err := os.Lstat(victim); err == nil {
		t.Errorf("root created %s", victim)
	}
	if _, err := os.Stat(coreFile(home)); err == nil {
		t.Error("settings written without the lock")
	}
	// without the link, the sudo'ed edit works and the file is the user's
	os.Remove(filepath.Join(home, config.LockName))
	cmd = exec.Command(filepath.Join(bin, "t2conf"), "-D", "MONINTV=10")
	cmd.Env = append(os.Environ(), "T2_HOME="+home, "SUDO_UID=65534", "SUDO_USER=nobody")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	for _, p := range []string{coreFile(home), filepath.Join(home, config.LockName)} {
		st, err := os.Lstat(p)
		if err != nil || st.Sys().(*syscall.Stat_t).Uid != 65534 {
			t.Errorf("%s: %v, want owned by the sudo user", p, err)
		}
	}
}
