package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A flow table too small for the capture: the hash autopilot releases the
// oldest flows (flowStat bit 0x40000000000), warns once, and every flow is
// still written exactly once.
func TestHashAutopilot(t *testing.T) {
	e := newEnv(t)
	ref := newEnv(t)
	pcap := testdata("pcaps", "tcp-synscan.pcap")
	ref.mustRun("t2", "-r", pcap, "-w", ref.out+"/")
	e.conf("HASHCHAINTABLE_BASE_SIZE=1024")
	r := e.mustRun("t2", "-r", pcap, "-w", e.out+"/")
	for _, s := range []string{"[WRN] Hash Autopilot: main HashMap full: flushing 1 oldest flow(s)", "[INF] Hash Autopilot: Fix: Invoke Tranalyzer with '-f ", "Number of flows terminated by autopilot: "} {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("output lacks %q", s)
		}
	}
	if strings.Count(r.stdout, "Hash Autopilot: main HashMap full") != 1 {
		t.Error("the autopilot warning must appear once")
	}
	got := readLines(t, filepath.Join(e.out, "tcp-synscan_flows.txt"))
	want := readLines(t, filepath.Join(ref.out, "tcp-synscan_flows.txt"))
	var marked int
	for _, l := range got[1:] {
		var fs uint64
		for _, c := range strings.Split(l, "\t")[2][2:] {
			fs = fs<<4 | uint64(strings.IndexRune("0123456789abcdef", c))
		}
		if fs&0x40000000000 != 0 {
			marked++
		}
	}
	if marked == 0 {
		t.Error("no flow carries the autopilot bit")
	}
	if pk, _ := reportValue(r.stdout, "Number of processed packets"); pk != 2011 {
		t.Errorf("%d packets", pk)
	}
	// Released early, a conversation's later packets make new flows, so
	// there are more flow lines, but every packet is in one of them.
	if len(got) < len(want) {
		t.Errorf("%d flow lines with the autopilot, %d without", len(got), len(want))
	}
}

// -x sets the sensor ID of the banner, the header file and machine rows.
func TestSensorID(t *testing.T) {
	e := newEnv(t)
	e.conf("MACHINE_REPORT=1")
	r := e.mustRun("t2", "-r", testdata("pcaps", "ntp-sparse.pcap"), "-w", e.out+"/", "-x", "42", "-l")
	hdr, rows := machineRows(t, r.stdout)
	if rows[0][col(t, hdr, "sensorID")] != "42" {
		t.Errorf("sensorID column %q", rows[0][col(t, hdr, "sensorID")])
	}
	if !strings.Contains(string(mustRead(t, filepath.Join(e.out, "ntp-sparse_headers.txt"))), "# SensorID: 42\n") {
		t.Error("header file lacks the sensor ID")
	}
	if !strings.Contains(string(mustRead(t, filepath.Join(e.out, "ntp-sparse_log.txt"))), ", SID: 42\n") {
		t.Error("banner lacks the sensor ID")
	}
}

// VERBOSE=0 with machine reports (t2conf -m): stdout carries only the
// machine header and rows, even without -l.
func TestVerboseZeroMachineOnly(t *testing.T) {
	e := newEnv(t)
	e.mustRun("t2conf", "-m")
	r := e.mustRun("t2", "-r", testdata("pcaps", "dns-mdns-llmnr.pcap"), "-w", e.out+"/")
	_, rows := machineRows(t, r.stdout) // fails on any other line
	if len(rows) < 2 {
		t.Errorf("%d rows", len(rows))
	}
}

// On a terminal t2 draws a progress bar on stderr while it reads a file;
// not when stderr is a file or pipe.
func TestProgressBarOnTerminal(t *testing.T) {
	if _, err := exec.LookPath("script"); err != nil {
		t.Skip("needs script(1) for a pseudo terminal")
	}
	e := newEnv(t)
	big, _ := bigCapture(t, e.out, 40)
	t2 := filepath.Join(binDir, "t2")
	cmd := exec.Command("script", "-qec", t2+" -r "+big+" -w "+e.out+"/ -l", "/dev/null")
	cmd.Env = e.environ()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(string(out), "ETA ") || !strings.Contains(string(out), "% ") {
		t.Errorf("no progress bar on the terminal:\n%q", tail(string(out)))
	}
	r := e.mustRun("t2", "-r", big, "-w", e.out+"/", "-l")
	if strings.Contains(r.stderr, "ETA") {
		t.Error("progress bar written to a non-terminal")
	}
}

// -p DIR is a plugin folder: its plugins.txt and NAME.toml win over the
// config home; -b FILE names another plugin list.
func TestPluginFolderAndList(t *testing.T) {
	e := newEnv(t)
	dir := filepath.Join(e.out, "pluginsOther")
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "plugins.txt"), []byte("# T2 spellings work\n100_basicFlow.so\n901_txtSink\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "basicFlow.toml"), []byte("BFO_MAC = 0\n"), 0o644)
	r := e.mustRun("t2", "-r", testdata("pcaps", "ntp-sparse.pcap"), "-w", e.out+"/", "-p", dir)
	if !strings.Contains(r.stdout, "    01: basicFlow, 0.9.3\n    02: txtSink, 0.9.3\n") || strings.Contains(r.stdout, "basicStats") {
		t.Errorf("active plugins:\n%s", r.stdout)
	}
	hdr := readLines(t, filepath.Join(e.out, "ntp-sparse_flows.txt"))[0]
	if strings.Contains(hdr, "srcMac") || !strings.Contains(hdr, "hdrDesc") || strings.Contains(hdr, "pktsSnt") {
		t.Errorf("flow columns with basicFlow (BFO_MAC=0) and txtSink only: %s", hdr)
	}
	list := filepath.Join(e.out, "list.txt")
	os.WriteFile(list, []byte("basicStats\ntxtSink\n"), 0o644)
	r = e.mustRun("t2", "-r", testdata("pcaps", "ntp-sparse.pcap"), "-w", e.out+"/", "-b", list)
	if !strings.Contains(r.stdout, "    01: basicStats, 0.9.3\n    02: txtSink, 0.9.3\n") {
		t.Errorf("-b list not used:\n%s", r.stdout)
	}
	os.WriteFile(list, []byte("basicStats\nnoSuchPlugin\n"), 0o644)
	r = e.run("t2", "-r", testdata("pcaps", "ntp-sparse.pcap"), "-w", e.out+"/", "-b", list)
	if r.code != 1 || !strings.Contains(r.stderr, "unknown plugin 'noSuchPlugin'") {
		t.Errorf("unknown plugin: exit %d, %s", r.code, r.stderr)
	}
}

// Without plugins.txt t2 runs T2's default build set (the members that
// are compiled in): ftpDecode, compiled in but not in that set, stays off
// until a list names it.
func TestDefaultPluginSet(t *testing.T) {
	e := newEnv(t)
	e.mustRun("t2", "-r", testdata("pcaps", "ftp-data-transfers.pcap"), "-w", e.out+"/")
	hdr := readLines(t, filepath.Join(e.out, "ftp-data-transfers_headers.txt"))
	var loaded []string
	for _, l := range hdr {
		if strings.HasPrefix(l, "#   0") {
			loaded = append(loaded, strings.TrimPrefix(l, "#   "))
		}
	}
	want := []string{"01: protoStats, version 0.9.3", "02: basicFlow, version 0.9.3", "03: basicStats, version 0.9.3",
		"04: tcpFlags, version 0.9.3", "05: tcpStates, version 0.9.3", "06: txtSink, version 0.9.3"}
	if strings.Join(loaded, "|") != strings.Join(want, "|") {
		t.Errorf("plugins loaded %q, want %q", loaded, want)
	}
	e.useGoldenPlugins()
	e.mustRun("t2", "-r", testdata("pcaps", "ftp-data-transfers.pcap"), "-w", e.out+"/")
	if flows := readLines(t, filepath.Join(e.out, "ftp-data-transfers_flows.txt")); !strings.Contains(flows[0], "\tftpStat\t") {
		t.Errorf("ftpDecode listed in plugins.txt but no ftpStat column: %q", flows[0])
	}
}
