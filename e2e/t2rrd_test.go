package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func needRRDTool(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("rrdtool"); err != nil {
		t.Skip("rrdtool binary not installed (apt install rrdtool); it is the test oracle")
	}
}

// machineStream is a small machine-report stream: n rows, one per second.
func machineStream(start int64, n int) string {
	var b strings.Builder
	b.WriteString("%repType\tsensorID\ttime\tduration\tnumPkts\tnumBytes\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "USR1MR_D\t666\t%d.000339000\t1.000000000\t%d\t%d\n", start+int64(i), 10+i, 1000+i)
	}
	return b.String()
}

// runT2rrd runs t2rrd with extra environment variables.
func (e *env) runT2rrd(extraEnv []string, stdin string, args ...string) result {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(binDir, "t2rrd"), args...)
	cmd.Env = append(e.environ(), extraEnv...)
	cmd.Dir = e.out
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	cmd.Stdin = strings.NewReader(stdin)
	err := cmd.Run()
	r := result{stdout: so.String(), stderr: se.String()}
	if ctx.Err() != nil {
		e.t.Fatalf("t2rrd %v: timed out\nstderr: %s", args, r.stderr)
	}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		e.t.Fatal(err)
	}
	return r
}

func rrdLastUpdate(t *testing.T, db string) string {
	t.Helper()
	out, err := exec.Command("rrdtool", "lastupdate", db).Output()
	if err != nil {
		t.Fatalf("rrdtool lastupdate %s: %v", db, err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	last := lines[len(lines)-1]
	sec, _, _ := strings.Cut(last, ":")
	return sec
}

// `t2rrd -m` on a pipe whose writer has gone quiet stops on INT and TERM
// (it used to wait for the next line), storing what it read.
func TestT2rrdSignalOnIdleStdin(t *testing.T) {
	needRRDTool(t)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			e := newEnv(t)
			db := filepath.Join(e.out, "mon.rrd")
			p := e.start(true, "t2rrd", "-m", "-d", db)
			p.stdin.Write([]byte(machineStream(1700000000, 6)))
			deadline := time.Now().Add(30 * time.Second)
			for {
				if _, err := os.Stat(db); err == nil {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("no database after 30 s: %s", p.stderr.String())
				}
				time.Sleep(20 * time.Millisecond)
			}
			time.Sleep(300 * time.Millisecond) // idle: t2rrd waits in read
			start := time.Now()
			p.signal(sig)
			code := p.wait(10 * time.Second)
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("exited %v after %v", d, sig)
			}
			if code != 0 || !strings.Contains(p.stderr.String(), "6 rows stored") {
				t.Errorf("exit %d\n%s", code, p.stderr.String())
			}
			if got := rrdLastUpdate(t, db); got != "1700000005" {
				t.Errorf("last update %s", got)
			}
		})
	}
}

// A feed that stores nothing leaves the existing database as it was, and
// a row at time 0 is skipped rather than breaking the database.
func TestT2rrdFailedFeedKeepsDatabase(t *testing.T) {
	needRRDTool(t)
	e := newEnv(t)
	db := filepath.Join(e.out, "keep.rrd")
	if r := e.runT2rrd(nil, machineStream(1700000000, 5), "-m", "-d", db); r.code != 0 {
		t.Fatalf("create: %s", r.stderr)
	}
	before, _ := os.ReadFile(db)
	zero := "%repType\ttime\tduration\tnumPkts\tnumBytes\nUSR1MR_D\t0.000000000\t0.000000000\t0\t0\n"
	r := e.runT2rrd(nil, zero, "-m", "-d", db)
	if r.code != 1 || !strings.Contains(r.stderr, "1 rows skipped: impossible time") || !strings.Contains(r.stderr, "existing database is unchanged") {
		t.Errorf("exit %d\n%s", r.code, r.stderr)
	}
	if after, _ := os.ReadFile(db); !bytes.Equal(before, after) {
		t.Errorf("database changed")
	}
	// Without -k, a file that is no RRD database is not replaced.
	pcap := filepath.Join(e.out, "trace.pcap")
	os.WriteFile(pcap, []byte("not an RRD"), 0o644)
	r = e.runT2rrd(nil, machineStream(1700000000, 5), "-m", "-d", pcap)
	if r.code != 1 || !strings.Contains(r.stderr, "refusing to replace it") {
		t.Errorf("non-RRD -d: exit %d\n%s", r.code, r.stderr)
	}
	if b, _ := os.ReadFile(pcap); string(b) != "not an RRD" {
		t.Errorf("non-RRD file replaced")
	}
}

// Under sudo (euid 0, SUDO_UID set) t2rrd does not write its PNG or its
// database through a symbolic link planted at the name.
func TestT2rrdSudoRefusesSymlinks(t *testing.T) {
	needRRDTool(t)
	if os.Geteuid() != 0 {
		t.Skip("needs root to act as sudo")
	}
	e := newEnv(t)
	sudo := []string{"SUDO_UID=1000", "SUDO_USER=nobody"}
	db := filepath.Join(e.out, "mon.rrd")
	if r := e.runT2rrd(sudo, machineStream(1700000000, 5), "-m", "-d", db); r.code != 0 {
		t.Fatalf("create: %s", r.stderr)
	}
	victim := filepath.Join(e.out, "victim")
	os.WriteFile(victim, []byte("root's file"), 0o600)
	png := filepath.Join(e.out, "plot.png")
	os.Symlink(victim, png)
	r := e.runT2rrd(sudo, "", "-d", db, "-n", "-a", "-p", png, "numPkts")
	if r.code != 1 || !strings.Contains(r.stderr, "is a symbolic link; under sudo") {
		t.Errorf("-p through a link: exit %d\n%s", r.code, r.stderr)
	}
	// A link to a database root owns: neither replaced (-m) nor
	// appended to (-m -k).
	rootDB := filepath.Join(e.out, "root.rrd")
	rootBytes, _ := os.ReadFile(db)
	os.WriteFile(rootDB, rootBytes, 0o600)
	link := filepath.Join(e.out, "link.rrd")
	os.Symlink(rootDB, link)
	for _, args := range [][]string{{"-m", "-d", link}, {"-m", "-k", "-d", link}} {
		r = e.runT2rrd(sudo, machineStream(1700000100, 5), args...)
		if r.code != 1 || !strings.Contains(r.stderr, "is a symbolic link; under sudo") {
			t.Errorf("%v: exit %d\n%s", args, r.code, r.stderr)
		}
	}
	if b, _ := os.ReadFile(victim); string(b) != "root's file" {
		t.Errorf("victim overwritten")
	}
	if b, _ := os.ReadFile(rootDB); !bytes.Equal(b, rootBytes) {
		t.Errorf("root's database changed through the link")
	}
	// Without sudo the link is followed, as before.
	r = e.runT2rrd([]string{"SUDO_UID="}, "", "-d", db, "-n", "-a", "-p", png, "numPkts")
	if r.code != 0 {
		t.Errorf("-p without sudo: %s", r.stderr)
	}
	if b, _ := os.ReadFile(victim); !bytes.HasPrefix(b, []byte("\x89PNG")) {
		t.Errorf("link target is not the plot")
	}
}

// A silent rrdcached does not keep `t2rrd -m --daemon` from stopping on
// SIGTERM.
func TestT2rrdSignalWhileDaemonSilent(t *testing.T) {
	e := newEnv(t)
	sock := filepath.Join(e.out, "silent.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close() // accepts, reads, never answers
			go io.Copy(io.Discard, c)
		}
	}()
	p := e.start(true, "t2rrd", "-m", "--daemon", "unix:"+sock, "-d", "x.rrd")
	p.stdin.Write([]byte(machineStream(1700000000, 6)))
	time.Sleep(500 * time.Millisecond)
	start := time.Now()
	p.signal(syscall.SIGTERM)
	code := p.wait(10 * time.Second)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("exited %v after SIGTERM", d)
	}
	if code != 1 || !strings.Contains(p.stderr.String(), "interrupted") {
		t.Errorf("exit %d\n%s", code, p.stderr.String())
	}
}
