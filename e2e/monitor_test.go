package e2e

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// machineRows splits a machine-report stream into its header columns and
// rows (each row's fields); other lines fail the test.
func machineRows(t *testing.T, out string) ([]string, [][]string) {
	t.Helper()
	var hdr []string
	var rows [][]string
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if l == "" {
			continue
		}
		if strings.HasSuffix(l, "\t") {
			t.Fatalf("trailing TAB: %q", l)
		}
		f := strings.Split(l, "\t")
		if strings.HasPrefix(l, "%") {
			if hdr != nil && strings.Join(hdr, "\t") != strings.TrimPrefix(l, "%") {
				t.Fatalf("second, different header: %q", l)
			}
			hdr = strings.Split(strings.TrimPrefix(l, "%"), "\t")
			continue
		}
		if hdr == nil {
			t.Fatalf("row before the header: %q", l)
		}
		if len(f) != len(hdr) {
			t.Fatalf("row has %d fields, header %d: %q", len(f), len(hdr), l)
		}
		rows = append(rows, f)
	}
	if hdr == nil {
		t.Fatalf("no machine header in:\n%s", tail(out))
	}
	return hdr, rows
}

func col(t *testing.T, hdr []string, name string) int {
	t.Helper()
	for i, h := range hdr {
		if h == name {
			return i
		}
	}
	t.Fatalf("no column %q in %v", name, hdr)
	return -1
}

func sumCol(t *testing.T, hdr []string, rows [][]string, name string) uint64 {
	t.Helper()
	i := col(t, hdr, name)
	var s uint64
	for _, r := range rows {
		v, err := strconv.ParseUint(r[i], 10, 64)
		if err != nil {
			t.Fatalf("%s = %q: %v", name, r[i], err)
		}
		s += v
	}
	return s
}

func (e *env) conf(kv ...string) {
	e.t.Helper()
	args := []string{"tranalyzer2"}
	for _, x := range kv {
		args = append(args, "-D", x)
	}
	e.mustRun("t2conf", args...)
}

// The T2 0.9.3 run behind machine-diff-pcaptime.monfile.txt, repeated:
// same header, same rows (but memUsageKB, our process's memory), plus our
// final row for the packets after the last trigger.
func TestMachineRowsMatchT2(t *testing.T) {
	e := newEnv(t)
	e.useGoldenPlugins()
	e.conf("MACHINE_REPORT=1", "DIFF_REPORT=1", "MONINTTMPCP=1", "MONINTV=10")
	copyFile(t, testdata("t2sample", "test.pcap"), filepath.Join(e.out, "test.pcap"))
	e.mustRun("t2", "-r", "test.pcap", "-w", "res/", "-l", "-m")
	got := readLines(t, filepath.Join(e.out, "res", "test_monitoring.txt"))
	want := readLines(t, testdata("t2sample", "machine-diff-pcaptime.monfile.txt"))
	if got[0] != want[0] {
		t.Fatalf("header\n got %q\nwant %q", got[0], want[0])
	}
	hdr := strings.Split(strings.TrimPrefix(got[0], "%"), "\t")
	mem := col(t, hdr, "memUsageKB")
	if len(got) != len(want)+1 {
		t.Fatalf("%d rows, want T2's %d plus the final row", len(got)-1, len(want)-1)
	}
	for i := 1; i < len(want); i++ {
		g, w := strings.Split(got[i], "\t"), strings.Split(want[i], "\t")
		// T2 writes three ftpDecode values under two names; we write two.
		w = w[:len(hdr)]
		g[mem], w[mem] = "", ""
		if strings.Join(g, "\t") != strings.Join(w, "\t") {
			t.Errorf("row %d\n got %q\nwant %q", i, got[i], want[i])
		}
	}
	_, rows := machineRows(t, strings.Join(got, "\n"))
	log, _ := os.ReadFile(filepath.Join(e.out, "res", "test_log.txt"))
	if n, _ := reportValue(string(log), "Number of processed packets"); sumCol(t, hdr, rows, "numPkts") != n {
		t.Errorf("rows add up to %d packets, end report %d", sumCol(t, hdr, rows, "numPkts"), n)
	}
}

// The tutorial's setup on a capture longer than 60 s: rows at least 10 s
// of pcap time apart (gaps make one long row), and in diff mode the rows,
// final row included, add up exactly to the end report.
func TestDiffRowsAddUpToEndReport(t *testing.T) {
	for _, file := range []string{"ftp-control-cwd-navigation.pcap", "dns-mdns-llmnr.pcap", "tls-ipv4-ipv6.pcap", "multicast-igmp-mld-llmnr.pcap"} {
		t.Run(file, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.useGoldenPlugins()
			e.conf("MACHINE_REPORT=1", "DIFF_REPORT=1", "MONINTTMPCP=1", "MONINTV=10",
				`MONPROTL2=["ETHERTYPE_ARP","ETHERTYPE_RARP","ETHERTYPE_IP","ETHERTYPE_IPV6"]`,
				`MONPROTL3=["L3_ICMP","L3_IGMP","L3_TCP","L3_UDP","L3_GRE","L3_ICMP6","L3_SCTP"]`)
			r := e.mustRun("t2", "-r", testdata("pcaps", file), "-w", e.out+"/", "-l")
			hdr, rows := machineRows(t, r.stdout)
			if len(rows) < 2 {
				t.Fatalf("only %d rows", len(rows))
			}
			ti := col(t, hdr, "time")
			prev := 0.0
			for i, row := range rows {
				ts, _ := strconv.ParseFloat(row[ti], 64)
				// Whole seconds count: >= 10 s between trigger seconds.
				if i > 0 && i < len(rows)-1 && int64(ts)-int64(prev) < 10 {
					t.Errorf("row %d at %s only %.3f s after the previous", i, row[ti], ts-prev)
				}
				if row[0] != "USR1MR_D" {
					t.Errorf("repType %q", row[0])
				}
				prev = ts
			}
			base := strings.TrimSuffix(file, filepath.Ext(file))
			logb, err := os.ReadFile(filepath.Join(e.out, base+"_log.txt"))
			if err != nil {
				t.Fatal(err)
			}
			log := string(logb)
			for _, c := range []struct{ col, line string }{
				{"numPkts", "Number of processed packets"},
				{"numBytes", "Number of processed bytes"},
				{"numAPkts", "Number of A packets"},
				{"numBPkts", "Number of B packets"},
				{"numABytes", "Number of A bytes"},
				{"numBBytes", "Number of B bytes"},
				{"numL2Pkts", "Number of L2 packets"},
				{"numV4Pkts", "Number of IPv4 packets"},
				{"numV6Pkts", "Number of IPv6 packets"},
				{"numFlows", "Number of processed      flows"},
				{"numAFlows", "Number of processed A    flows"},
				{"numBFlows", "Number of processed B    flows"},
				{"numFrgV4Pkts", "Number of IPv4 fragmented packets"},
				{"0x0806Pkts", "Number of ARP packets"},
				{"ICMPPkts", "Number of ICMP packets"},
				{"IGMPPkts", "Number of IGMP packets"},
				{"TCPPkts", "Number of TCP packets"},
				{"TCPBytes", "Number of TCP bytes"},
				{"UDPPkts", "Number of UDP packets"},
				{"UDPBytes", "Number of UDP bytes"},
				{"GREPkts", "Number of GRE packets"},
				{"ICMPv6Pkts", "Number of ICMPv6 packets"},
				{"ftpPkts", "ftpDecode: Number of FTP control packets"},
			} {
				want, _ := reportValue(log, c.line) // absent line = 0
				if got := sumCol(t, hdr, rows, c.col); got != want {
					t.Errorf("%s: rows add up to %d, end report %q says %d", c.col, got, c.line, want)
				}
			}
			// The per-ethertype columns cover every packet here.
			total, _ := reportValue(log, "Number of processed packets")
			if got := sumCol(t, hdr, rows, "0x0800Pkts") + sumCol(t, hdr, rows, "0x86ddPkts") + sumCol(t, hdr, rows, "0x0806Pkts") + sumCol(t, hdr, rows, "0x8035Pkts"); got+sumCol(t, hdr, rows, "numL2Pkts")-sumCol(t, hdr, rows, "0x0806Pkts")-sumCol(t, hdr, rows, "0x8035Pkts") > total {
				t.Errorf("ethertype columns count %d packets, more than %d", got, total)
			}
		})
	}
}

// bigCapture writes a capture large enough that t2 is still reading when
// a signal arrives: copies of http-web-browsing.pcap shifted in time.
func bigCapture(t *testing.T, dir string, copies int) (string, int) {
	t.Helper()
	p := loadPcap(t, testdata("pcaps", "http-web-browsing.pcap"))
	path := filepath.Join(dir, "big.pcap")
	n := p.repeated(t, path, copies)
	return path, n
}

// USR1 during a run on a large capture: exactly one human report with the
// percentage, remaining time and ETF lines, counts within the totals.
func TestUSR1ReportDuringRun(t *testing.T) {
	e := newEnv(t)
	big, total := bigCapture(t, e.out, 40)
	p := e.start(false, "t2", "-r", big, "-w", e.out+"/")
	p.waitOut("Dump start: ", 30*time.Second) // printed at the first packet
	p.signal(syscall.SIGUSR1)
	if code := p.wait(2 * time.Minute); code != 0 {
		t.Fatalf("exit %d: %s", code, p.stderr.String())
	}
	out := p.stdout.String()
	if n := strings.Count(out, "USR1 A type report: Tranalyzer 0.9.3 (Anteater), Cobra. PID: "); n != 1 {
		t.Fatalf("%d USR1 reports, want 1\n%s", n, tail(out))
	}
	rep := out[strings.Index(out, "USR1 A type report"):]
	rep = rep[:strings.Index(rep, "\n"+strings.Repeat("=", 80)+"\n")]
	for _, l := range []string{"PCAP time: ", "PCAP duration: ", "Elapsed time: ", "Total bytes to process: ", "Percentage completed: ", "Total bytes processed so far: ", "Remaining time: ", "ETF: "} {
		if !strings.Contains(rep, "\n"+l) {
			t.Errorf("USR1 report lacks %q", l)
		}
	}
	got, _ := reportValue(rep, "Number of processed packets")
	t.Logf("USR1 report after %d of %d packets", got, total)
	if got > uint64(total) {
		t.Errorf("USR1 report counts %d packets, more than the %d in the file", got, total)
	}
	end, _ := reportValue(out[strings.LastIndex(out, "Finished unloading"):], "Number of processed packets")
	if end != uint64(total) {
		t.Errorf("end report %d packets, want %d", end, total)
	}
}

// startFed starts t2 reading stdin (with extra args), writes the capture
// header and the first n packets of http-web-browsing.pcap, and waits
// until stdout shows ready (signal handlers are in place before any
// output, so the test may signal from then on).
func (e *env) startFed(n int, ready string, args ...string) (*proc, *feeder) {
	e.t.Helper()
	pc := loadPcap(e.t, testdata("pcaps", "http-web-browsing.pcap"))
	p := e.start(true, "t2", append([]string{"-r", "-"}, args...)...)
	f := &feeder{p: p, pc: pc}
	f.header()
	f.feed(n)
	p.waitOut(ready, 30*time.Second)
	return p, f
}

// feeder writes a capture to t2's stdin in chunks.
type feeder struct {
	p   *proc
	pc  *pcapFile
	pos int
}

func (f *feeder) header() { f.p.stdin.Write(f.pc.header) }

func (f *feeder) feed(n int) {
	for i := 0; i < n && f.pos < len(f.pc.records); i++ {
		f.p.stdin.Write(f.pc.records[f.pos])
		f.pos++
	}
}

// 1000 USR1 during one run: no crash, every row complete, and the end
// totals and flow file identical to a run without signals.
func TestThousandUSR1(t *testing.T) {
	e := newEnv(t)
	e.conf("MACHINE_REPORT=1")
	ref := e.mustRun("t2", "-r", testdata("pcaps", "http-web-browsing.pcap"), "-w", filepath.Join(e.out, "ref")+"/", "-l")
	_, refRows := machineRows(t, ref.stdout)
	if len(refRows) != 1 {
		t.Fatalf("reference run: %d rows, want only the final row", len(refRows))
	}
	p, f := e.startFed(0, "%repType", "-w", filepath.Join(e.out, "sig")+"/", "-l")
	per := len(f.pc.records)/100 + 1
	for i := 0; i < 1000; i++ {
		if i%10 == 0 {
			f.feed(per)
		}
		p.signal(syscall.SIGUSR1)
	}
	f.feed(len(f.pc.records))
	p.stdin.Close()
	if code := p.wait(2 * time.Minute); code != 0 {
		t.Fatalf("exit %d: %s", code, p.stderr.String())
	}
	hdr, rows := machineRows(t, p.stdout.String())
	if len(rows) < 2 {
		t.Fatalf("only %d rows for 1000 USR1", len(rows))
	}
	t.Logf("1000 USR1 gave %d rows (the kernel merges a USR1 sent while one is still pending)", len(rows))
	pk := col(t, hdr, "numPkts")
	prev := uint64(0)
	for i, r := range rows {
		v, _ := strconv.ParseUint(r[pk], 10, 64)
		if v < prev {
			t.Fatalf("absolute numPkts went down at row %d: %d < %d", i, v, prev)
		}
		prev = v
	}
	last := rows[len(rows)-1]
	refLast := refRows[0]
	for _, c := range []string{"numPkts", "numBytes", "numFlows", "numAFlows", "numBFlows", "numAPkts", "numBPkts", "numV4Pkts", "TCPPkts", "UDPPkts"} {
		i := col(t, hdr, c)
		if last[i] != refLast[i] {
			t.Errorf("%s: %s with signals, %s without", c, last[i], refLast[i])
		}
	}
	a := readLines(t, filepath.Join(e.out, "ref", "http-web-browsing_flows.txt"))
	b := readLines(t, filepath.Join(e.out, "sig", "stdin_flows.txt"))
	compareLines(t, a, b, nil)
	la, _ := os.ReadFile(filepath.Join(e.out, "ref", "http-web-browsing_log.txt"))
	lb, _ := os.ReadFile(filepath.Join(e.out, "sig", "stdin_log.txt"))
	for _, l := range []string{"Number of processed packets", "Number of processed bytes", "Number of A packets", "Number of B packets", "Number of processed      flows"} {
		va, _ := reportValue(string(la), l)
		vb, _ := reportValue(string(lb), l)
		if va != vb {
			t.Errorf("%s: %d without signals, %d with", l, va, vb)
		}
	}
}

// USR2 starts periodic reports (every MONINTV = 1 s of wall clock), a
// second USR2 stops them.
func TestUSR2TogglesPeriodicReports(t *testing.T) {
	e := newEnv(t)
	e.conf("MACHINE_REPORT=1")
	p, f := e.startFed(100, "%repType", "-w", e.out+"/", "-l")
	p.signal(syscall.SIGUSR2)
	time.Sleep(3500 * time.Millisecond)
	p.signal(syscall.SIGUSR2)
	time.Sleep(300 * time.Millisecond) // let a tick that raced the signal land
	_, on := machineRows(t, p.stdout.String())
	time.Sleep(2500 * time.Millisecond)
	_, off := machineRows(t, p.stdout.String())
	f.feed(len(f.pc.records))
	p.stdin.Close()
	if code := p.wait(time.Minute); code != 0 {
		t.Fatalf("exit %d: %s", code, p.stderr.String())
	}
	if len(on) < 2 || len(on) > 5 {
		t.Errorf("%d rows in 3.5 s of periodic reports at 1 s, want 2..5", len(on))
	}
	if len(off) != len(on) {
		t.Errorf("%d rows appeared after the second USR2", len(off)-len(on))
	}
}

// SIGINT twice: stop flow creation, then release everything and exit 0
// with a complete flow file and the end report.
func TestSIGINTTwice(t *testing.T) {
	e := newEnv(t)
	p, f := e.startFed(2000, "Dump start: ", "-w", e.out+"/")
	p.signal(syscall.SIGINT)
	p.waitOut("[INF] SIGINT: Stop flow creation, when all pending flows timeout (182s): exit", 10*time.Second)
	f.feed(500)
	p.signal(syscall.SIGINT)
	p.waitOut("[INF] SIGINT: Remove all flows and exit", 10*time.Second)
	if code := p.wait(30 * time.Second); code != 0 {
		t.Fatalf("exit %d: %s", code, p.stderr.String())
	}
	out := p.stdout.String()
	if !strings.Contains(out, "Aggregated flowStat=") {
		t.Fatalf("no end report:\n%s", tail(out))
	}
	lines := readLines(t, filepath.Join(e.out, "stdin_flows.txt"))
	if len(lines) < 2 {
		t.Fatal("no flows written")
	}
	n := len(strings.Split(lines[0], "\t"))
	for i, l := range lines {
		if c := len(strings.Split(l, "\t")); c != n {
			t.Fatalf("flow line %d has %d columns, header %d", i+1, c, n)
		}
	}
	// Every flow created before the first SIGINT was written: the pairs'
	// findex run 1..max without holes.
	seen := map[string]bool{}
	for _, l := range lines[1:] {
		seen[strings.Split(l, "\t")[1]] = true
	}
	for i := 1; i <= len(seen); i++ {
		if !seen[strconv.Itoa(i)] {
			t.Fatalf("flow index %d missing from the flow file", i)
		}
	}
}

// SIGTERM is like two SIGINTs.
func TestSIGTERM(t *testing.T) {
	e := newEnv(t)
	p, _ := e.startFed(1000, "Dump start: ", "-w", e.out+"/")
	p.signal(syscall.SIGTERM)
	if code := p.wait(30 * time.Second); code != 0 {
		t.Fatalf("exit %d: %s", code, p.stderr.String())
	}
	out := p.stdout.String()
	for _, s := range []string{"[INF] SIGTERM: Terminate, terminate. Remove all flows and exit", "Aggregated flowStat="} {
		if !strings.Contains(out, s) {
			t.Errorf("output lacks %q", s)
		}
	}
}

// SIGHUP re-reads the monitoring settings: after t2conf switches to
// machine reports, the next USR1 gives a machine row instead of the
// human report, without a restart.
func TestSIGHUPReloadsMonitoringSettings(t *testing.T) {
	e := newEnv(t)
	p, f := e.startFed(500, "Dump start: ", "-w", e.out+"/")
	p.signal(syscall.SIGUSR1)
	p.waitOut("USR1 A type report", 10*time.Second)
	e.conf("MACHINE_REPORT=1", "DIFF_REPORT=1")
	p.signal(syscall.SIGHUP)
	p.waitOut("[INF] SIGHUP: monitoring settings reloaded (MONINTV=1, DIFF_REPORT=1, MACHINE_REPORT=1, MONINTTMPCP=0)", 10*time.Second)
	p.waitOut("%repType\t", 10*time.Second)
	f.feed(500)
	p.signal(syscall.SIGUSR1)
	p.waitOut("\nUSR1MR_D\t", 10*time.Second)
	// A broken file on reload keeps the old settings.
	os.WriteFile(filepath.Join(e.home, "tranalyzer2.toml"), []byte("MONINTV = -3\n"), 0o644)
	p.signal(syscall.SIGHUP)
	p.waitOut("[WRN] SIGHUP: configuration not reloaded, keeping the old settings", 10*time.Second)
	f.feed(len(f.pc.records))
	p.stdin.Close()
	if code := p.wait(time.Minute); code != 0 {
		t.Fatalf("exit %d: %s", code, p.stderr.String())
	}
}

// MONGAPFILL=1: pcap-time rows on a regular grid (every MONINTV seconds
// from the first packet's second, zero rows for empty intervals), still
// adding up to the end report. -M changes only the wall-clock timer, so
// it must not change these rows.
func TestGapFillRegularRows(t *testing.T) {
	e := newEnv(t)
	e.conf("MACHINE_REPORT=1", "DIFF_REPORT=1", "MONINTTMPCP=1", "MONINTV=10", "MONGAPFILL=1")
	r := e.mustRun("t2", "-r", testdata("pcaps", "dns-mdns-llmnr.pcap"), "-w", e.out+"/", "-l", "-M", "1")
	hdr, rows := machineRows(t, r.stdout)
	ti, pk := col(t, hdr, "time"), col(t, hdr, "numPkts")
	var zero int
	for i := 1; i < len(rows)-1; i++ { // the last row is the final one
		a, _ := strconv.ParseFloat(rows[i-1][ti], 64)
		b, _ := strconv.ParseFloat(rows[i][ti], 64)
		if b-a != 10 {
			t.Fatalf("rows %d and %d are %.9f s apart, want exactly 10", i-1, i, b-a)
		}
		if rows[i][pk] == "0" {
			zero++
		}
	}
	// The capture spans 1277 s with long quiet stretches.
	if len(rows) < 120 || zero == 0 {
		t.Errorf("%d rows, %d empty: want about 128 rows including empty ones", len(rows), zero)
	}
	log := string(mustRead(t, filepath.Join(e.out, "dns-mdns-llmnr_log.txt")))
	if n, _ := reportValue(log, "Number of processed packets"); sumCol(t, hdr, rows, "numPkts") != n {
		t.Errorf("rows add up to %d packets, end report %d", sumCol(t, hdr, rows, "numPkts"), n)
	}
}
