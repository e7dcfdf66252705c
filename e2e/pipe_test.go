package e2e

import (
	"bufio"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// When the reader of the machine rows goes away (t2 -l | nc host port and
// the collector dies), t2 stops cleanly: the flow file and the log with
// its end report complete, one line on stderr, and exit 1 because the
// input was not read to its end.
func TestReaderGoesAway(t *testing.T) {
	e := newEnv(t)
	e.conf("MACHINE_REPORT=1", "DIFF_REPORT=1", "MONINTTMPCP=1", "MONINTV=1")
	pc := loadPcap(t, testdata("pcaps", "dns-mdns-llmnr.pcap"))
	cmd := exec.Command(filepath.Join(binDir, "t2"), "-r", "-", "-w", e.out+"/", "-l")
	cmd.Env = e.environ()
	cmd.Dir = e.out
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	stdin.Write(pc.header)
	r := bufio.NewReader(stdout)
	head, _ := r.ReadString('\n')
	if !strings.HasPrefix(head, "%repType") {
		t.Fatalf("first line %q", head)
	}
	fed := 0
	for ; fed < len(pc.records)/2; fed++ {
		stdin.Write(pc.records[fed])
	}
	row, _ := r.ReadString('\n')
	if !strings.HasPrefix(row, "USR1MR_D\t") {
		t.Fatalf("first row %q", row)
	}
	stdout.Close() // the collector goes away
	// Keep feeding: the next row hits the closed pipe and t2 must stop.
	go func() {
		for i := fed; i < len(pc.records); i++ {
			if _, err := stdin.Write(pc.records[i]); err != nil {
				return
			}
		}
	}()
	select {
	case err := <-done:
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
			t.Fatalf("t2 ended with %v, want exit status 1: %s", err, stderr.String())
		}
		if !strings.Contains(stderr.String(), "[WRN] The reader of stdout went away after ") {
			t.Errorf("stderr does not say why t2 stopped: %q", stderr.String())
		}
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		t.Fatal("t2 did not stop after its reader went away")
	}
	log := string(mustRead(t, filepath.Join(e.out, "stdin_log.txt")))
	for _, s := range []string{"[WRN] The reader of stdout went away", "Aggregated flowStat="} {
		if !strings.Contains(log, s) {
			t.Errorf("log lacks %q:\n%s", s, tail(log))
		}
	}
	lines := readLines(t, filepath.Join(e.out, "stdin_flows.txt"))
	n := len(strings.Split(lines[0], "\t"))
	for i, l := range lines {
		if len(strings.Split(l, "\t")) != n {
			t.Fatalf("flow line %d is incomplete: %q", i+1, l)
		}
	}
	// Every flow t2 saw is in the file: as many lines as the end report
	// counts flows. (How many that is depends on how far t2 got before
	// the closed pipe stopped it.)
	m := regexp.MustCompile(`(?m)^Number of processed +flows: ([0-9]+)$`).FindStringSubmatch(log)
	if m == nil {
		t.Fatalf("log has no flow count:\n%s", tail(log))
	}
	if got := strconv.Itoa(len(lines) - 1); got != m[1] || m[1] == "0" {
		t.Errorf("%s flow lines, the end report counts %s flows", got, m[1])
	}
}
