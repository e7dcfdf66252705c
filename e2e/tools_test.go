package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/t2go/t2go/pkg/cliutil"
)

// t2build -p DIR NAME... on a new folder writes exactly that set, and
// t2 -p DIR runs only it (it used to run every plugin: no plugins.txt
// was written). A -p folder that does not exist is an error.
func TestBuildIntoNewPluginFolder(t *testing.T) {
	e := newEnv(t)
	dir := filepath.Join(e.out, "plugins")
	r := e.mustRun("t2build", "-p", dir, "tranalyzer2", "basicFlow", "txtSink")
	if !strings.Contains(r.stdout, "BUILDING SUCCESSFUL") {
		t.Errorf("t2build: %s", r.stdout)
	}
	r = e.mustRun("t2", "-r", testdata("pcaps", "ntp-sparse.pcap"), "-w", e.out+"/", "-p", dir)
	if !strings.Contains(r.stdout, "    01: basicFlow, 0.9.3\n    02: txtSink, 0.9.3\n") || strings.Contains(r.stdout, "    03: ") {
		t.Errorf("t2 -p %s ran other plugins:\n%s", dir, r.stdout)
	}
	missing := filepath.Join(e.out, "nonexistent")
	r = e.run("t2", "-r", testdata("pcaps", "ntp-sparse.pcap"), "-w", e.out+"/", "-p", missing)
	if r.code != 1 || !strings.Contains(r.stderr, "[ERR] Plugin folder '"+missing+"' does not exist") {
		t.Errorf("t2 -p %s: exit %d, %q", missing, r.code, r.stderr)
	}
}

// The tutorial's tcol lines: t2 ... -l -s | tcol, and tcol FILE. Every
// field starts in the same column on every line, empty fields included.
func TestTcolTutorialLines(t *testing.T) {
	e := newEnv(t)
	pcap := testdata("pcaps", "ftp-data-transfers.pcap")
	sh := func(line string) string {
		cmd := exec.Command("sh", "-c", line)
		cmd.Env = append(e.environ(), "PATH="+binDir+":"+os.Getenv("PATH"))
		cmd.Dir = e.out
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		return string(out)
	}
	e.mustRun("t2conf", "-D", "MACHINE_REPORT=1")
	// tee keeps what went into tcol (memUsageKB differs from run to run)
	rawReport := filepath.Join(e.out, "report.txt")
	machine := sh("t2 -r " + pcap + " -w " + e.out + "/ -l -s | tee " + rawReport + " | tcol")
	packets := filepath.Join(e.out, "ftp-data-transfers_packets.txt")
	for _, c := range []struct{ name, raw, aligned string }{
		{"machine report", readFile(t, rawReport), machine},
		{"packet file", readFile(t, packets), sh("tcol " + packets)},
	} {
		raw := strings.Split(strings.TrimSuffix(c.raw, "\n"), "\n")
		aligned := strings.Split(strings.TrimSuffix(c.aligned, "\n"), "\n")
		if len(raw) < 2 || !strings.Contains(raw[0], "\t") {
			t.Fatalf("%s: no TAB-separated table: %q", c.name, tail(c.raw))
		}
		alignedColumns(t, c.name, raw, aligned)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// alignedColumns checks that the aligned text holds every field of the
// raw lines, each field i starting at the same character column on every
// line, with at least two blanks before it.
func alignedColumns(t *testing.T, name string, raw, aligned []string) {
	t.Helper()
	if len(raw) != len(aligned) {
		t.Fatalf("%s: %d lines in, %d out", name, len(raw), len(aligned))
	}
	var width []int
	for _, line := range raw {
		for i, f := range strings.Split(line, "\t") {
			if i >= len(width) {
				width = append(width, 0)
			}
			width[i] = max(width[i], len([]rune(f)))
		}
	}
	for n, line := range raw {
		out := []rune(aligned[n])
		pos := 0
		for i, f := range strings.Split(line, "\t") {
			if pos >= len(out) {
				if f != "" {
					t.Fatalf("%s line %d field %d %q missing\n%s", name, n+1, i, f, aligned[n])
				}
				continue // trailing empty fields leave no blanks
			}
			end := min(len(out), pos+len([]rune(f)))
			if string(out[pos:end]) != f {
				t.Fatalf("%s line %d field %d: %q at column %d, want %q\n%s", name, n+1, i, string(out[pos:end]), pos, f, aligned[n])
			}
			if pos > 1 && (out[pos-1] != ' ' || out[pos-2] != ' ') {
				t.Fatalf("%s line %d field %d: no gap before column %d", name, n+1, i, pos)
			}
			pos += width[i] + 2
		}
	}
}

// --version prints the suite's version and commit for every command (t2
// also with T2's -V, after T2's own line).
func TestVersion(t *testing.T) {
	e := newEnv(t)
	for _, c := range [][]string{{"t2", "-V"}, {"t2", "--version"}, {"t2stat", "--version"}, {"t2conf", "--version"},
		{"t2build", "--version"}, {"t2rrd", "--version"}, {"tcol", "--version"}} {
		r := e.mustRun(c[0], c[1:]...)
		want := c[0] + " (t2go) " + cliutil.Version() + "\n"
		if c[0] == "t2" {
			want = "Tranalyzer 0.9.3 (Anteater) [Cobra]\n" + want
		}
		if r.stdout != want || r.stderr != "" {
			t.Errorf("%v: %q %q, want %q", c, r.stdout, r.stderr, want)
		}
	}
}

// The generated completions work in the real shells, asking the real
// binaries: bash and fish complete t2conf's setting keys and t2build's
// plugin names; zsh's script parses; the man pages render.
func TestCompletionsAndManPages(t *testing.T) {
	e := newEnv(t)
	dir := t.TempDir()
	cmd := exec.Command("go", "run", "./scripts/gendocs", dir)
	cmd.Dir = repoRoot()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gendocs: %v\n%s", err, out)
	}
	env := append(e.environ(), "PATH="+binDir+":/usr/bin:/bin")
	shell := func(name string, args ...string) string {
		if _, err := exec.LookPath(name); err != nil {
			t.Skipf("needs %s", name)
		}
		c := exec.Command(name, args...)
		c.Env = env
		out, err := c.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %v: %v\n%s", name, args, err, out)
		}
		return string(out)
	}
	bash := func(file, line string) string {
		if _, err := os.Stat("/usr/share/bash-completion/bash_completion"); err != nil {
			t.Skip("needs bash-completion")
		}
		// compopt only works inside a real completion; here it is a no-op
		script := `source /usr/share/bash-completion/bash_completion; source ` + file + `; compopt() { :; }; COMP_LINE="` + line + `"; COMP_POINT=${#COMP_LINE}; read -ra COMP_WORDS <<< "$COMP_LINE"; ` +
			`COMP_CWORD=$((${#COMP_WORDS[@]}-1)); __start_` + strings.Fields(line)[0] + `; printf '%s\n' "${COMPREPLY[@]}"`
		return shell("bash", "-c", script)
	}
	comp := filepath.Join(dir, "bash-completion", "completions")
	if out := bash(filepath.Join(comp, "t2conf"), "t2conf -D MONINTT"); !strings.Contains(out, "MONINTTMPCP=") || !strings.Contains(out, "MONINTTMPCP_ON=") {
		t.Errorf("bash: t2conf -D MONINTT<TAB>: %q", out)
	}
	if out := bash(filepath.Join(comp, "t2build"), "t2build basicS"); strings.TrimSpace(out) != "basicStats" {
		t.Errorf("bash: t2build basicS<TAB>: %q", out)
	}
	if out := bash(filepath.Join(comp, "t2stat"), "t2stat --sig"); !strings.Contains(out, "--signal") {
		t.Errorf("bash: t2stat --sig<TAB>: %q", out)
	}
	fish := filepath.Join(dir, "fish", "vendor_completions.d")
	if out := shell("fish", "-c", "source "+filepath.Join(fish, "t2build.fish")+"; complete -C 't2build txtS'"); !strings.HasPrefix(out, "txtSink") {
		t.Errorf("fish: t2build txtS<TAB>: %q", out)
	}
	for _, name := range []string{"t2", "t2stat", "t2conf", "t2build", "t2rrd", "tcol"} {
		shell("zsh", "-n", filepath.Join(dir, "zsh", "site-functions", "_"+name))
		shell("bash", "-n", filepath.Join(comp, name))
		page := shell("man", "-l", "-P", "cat", filepath.Join(dir, "man", "man1", name+".1"))
		if !strings.Contains(page, "NAME") || !strings.Contains(page, name) || !strings.Contains(page, "--version") {
			t.Errorf("man page of %s:\n%s", name, page)
		}
	}
}

// make install puts the six binaries, the completions and the man pages
// where the shells and man look for them (under DESTDIR/PREFIX).
func TestMakeInstall(t *testing.T) {
	if testing.Short() {
		t.Skip("builds everything again")
	}
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("needs make")
	}
	dest := t.TempDir()
	cmd := exec.Command("make", "install", "DESTDIR="+dest, "PREFIX=/usr", "BUILD="+t.TempDir())
	cmd.Dir = repoRoot()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make install: %v\n%s", err, out)
	}
	for _, c := range []string{"t2", "t2stat", "t2conf", "t2build", "t2rrd", "tcol"} {
		out, err := exec.Command(filepath.Join(dest, "usr", "bin", c), "--version").Output()
		if err != nil || !strings.Contains(string(out), c+" (t2go) ") {
			t.Errorf("%s --version: %v %q", c, err, out)
		}
	}
	for _, c := range []string{"t2", "t2stat", "t2conf", "t2build", "t2rrd", "tcol"} {
		for _, f := range []string{"bash-completion/completions/" + c, "zsh/site-functions/_" + c,
			"fish/vendor_completions.d/" + c + ".fish", "man/man1/" + c + ".1"} {
			if st, err := os.Stat(filepath.Join(dest, "usr", "share", f)); err != nil || st.Size() == 0 {
				t.Errorf("%s not installed: %v", f, err)
			}
		}
	}
}
