package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/t2go/t2go/pkg/metrics"
)

// promServer is a real Prometheus (Debian package prometheus) scraping
// one t2 every second; in a network namespace when ns is set.
type promServer struct {
	t    *testing.T
	ns   string
	addr string
}

func freeTCPPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func startPrometheus(t *testing.T, ns, target string, port int) *promServer {
	t.Helper()
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		t.Skip("prometheus (Debian package prometheus) is not installed")
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "prometheus.yml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: t2
    static_configs:
      - targets: ['%s']
`, target)), 0o644)
	ps := &promServer{t: t, ns: ns, addr: fmt.Sprintf("127.0.0.1:%d", port)}
	args := []string{"--config.file=" + cfg, "--storage.tsdb.path=" + filepath.Join(dir, "data"),
		"--web.listen-address=" + ps.addr, "--log.level=warn"}
	var cmd *exec.Cmd
	if ns != "" {
		cmd = exec.Command("ip", append([]string{"netns", "exec", ns, bin}, args...)...)
	} else {
		cmd = exec.Command(bin, args...)
	}
	var logBuf strings.Builder
	cmd.Stdout, cmd.Stderr = &logBuf, &logBuf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
		if t.Failed() {
			t.Logf("prometheus log:\n%s", logBuf.String())
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := ps.get("/-/ready"); err == nil {
			return ps
		}
		select {
		case <-done:
			t.Fatalf("prometheus exited:\n%s", logBuf.String())
		case <-time.After(200 * time.Millisecond):
		}
	}
	t.Fatalf("prometheus not ready on %s:\n%s", ps.addr, logBuf.String())
	return nil
}

// get fetches path from Prometheus (through curl inside the namespace).
func (ps *promServer) get(path string) ([]byte, error) {
	u := "http://" + ps.addr + path
	if ps.ns != "" {
		out, err := exec.Command("ip", "netns", "exec", ps.ns, "curl", "-sf", u).Output()
		return out, err
	}
	resp, err := http.Get(u)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("%s: %s", u, resp.Status)
	}
	return io.ReadAll(resp.Body)
}

// query runs an instant PromQL query and returns the single value of the
// result (ok false when the result is empty).
func (ps *promServer) query(q string) (float64, bool) {
	ps.t.Helper()
	b, err := ps.get("/api/v1/query?query=" + url.QueryEscape(q))
	if err != nil {
		return 0, false
	}
	var res struct {
		Status string
		Data   struct {
			Result []struct {
				Value [2]any
			}
		}
	}
	if err := json.Unmarshal(b, &res); err != nil || res.Status != "success" || len(res.Data.Result) != 1 {
		return 0, false
	}
	s, _ := res.Data.Result[0].Value[1].(string)
	v, err := strconv.ParseFloat(s, 64)
	return v, err == nil
}

// waitValue waits until q has value want and at least two scrapes of t2
// were stored.
func (ps *promServer) waitValue(q string, want float64, d time.Duration) {
	ps.t.Helper()
	deadline := time.Now().Add(d)
	var got float64
	for time.Now().Before(deadline) {
		n, _ := ps.query(`count_over_time(t2_up{job="t2"}[10m])`)
		v, ok := ps.query(q)
		got = v
		if ok && n >= 2 && v == want {
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
	ps.t.Fatalf("Prometheus: %s = %v, want %v (after %v)", q, got, want, d)
}

// last is the latest stored sample of a t2 metric; a range query ignores
// the staleness marker Prometheus stores once t2 has exited.
func last(metric string) string {
	return `last_over_time(` + metric + `{job="t2"}[10m])`
}

// compareWithRow checks every counter column of a machine-report row
// against the value Prometheus scraped.
func (ps *promServer) compareWithRow(hdr, row []string) int {
	ps.t.Helper()
	n := 0
	for i, c := range hdr {
		name := metrics.MetricName(c)
		if !strings.HasSuffix(name, "_total") {
			continue
		}
		want, err := strconv.ParseFloat(row[i], 64)
		if err != nil {
			ps.t.Errorf("row value %s=%q", c, row[i])
			continue
		}
		got, ok := ps.query(last(name))
		if !ok || got != want {
			ps.t.Errorf("%s: Prometheus has %v (found %v), the machine report %v", name, got, ok, want)
		}
		n++
	}
	return n
}

// TestPrometheusScrapesFileRun: a real Prometheus scrapes a t2 that reads
// a capture through a pipe kept open; the scraped totals equal t2's
// machine report (USR1) column for column and, once the pipe closes, the
// end report.
func TestPrometheusScrapesFileRun(t *testing.T) {
	e := newEnv(t)
	e.conf("MACHINE_REPORT=1")
	port := freeTCPPort(t)
	target := fmt.Sprintf("127.0.0.1:%d", port)
	p := e.start(true, "t2", "-r", "-", "-w", e.out+"/", "-l", "--prom-addr", target)
	pc := loadPcap(t, testdata("pcaps", "http-web-browsing.pcap"))
	p.stdin.Write(pc.header)
	for _, r := range pc.records {
		p.stdin.Write(r)
	}
	logPath := filepath.Join(e.out, "stdin_log.txt")
	waitFile(t, logPath, "Prometheus metrics at http://"+target+"/metrics", 30*time.Second)
	ps := startPrometheus(t, "", target, freeTCPPort(t))
	ps.waitValue(last("t2_num_pkts_total"), float64(len(pc.records)), 60*time.Second)

	p.signal(syscall.SIGUSR1)
	p.waitOut("USR1MR_A", 10*time.Second)
	hdr, rows := machineRows(t, p.stdout.String())
	if len(rows) != 1 {
		t.Fatalf("%d machine rows after one USR1", len(rows))
	}
	if n := ps.compareWithRow(hdr, rows[0]); n < 20 {
		t.Errorf("only %d counter columns compared", n)
	}

	p.stdin.Close()
	if code := p.wait(60 * time.Second); code != 0 {
		t.Fatalf("t2 exit %d: %s", code, p.stderr.String())
	}
	out := string(mustRead(t, logPath))
	for label, metric := range map[string]string{
		"Number of processed packets":    "t2_num_pkts_total",
		"Number of processed      flows": "t2_num_flows_total",
		"Number of processed A    flows": "t2_num_a_flows_total",
	} {
		want, ok := reportValue(out, label)
		got, found := ps.query(last(metric))
		if !ok || !found || got != float64(want) {
			t.Errorf("end report %q = %d (found %v), Prometheus %s = %v (found %v)", label, want, ok, metric, got, found)
		}
	}
}

// TestPrometheusScrapesLiveCapture: t2 captures on a veth end inside a
// network namespace with Prometheus beside it; the scraped packet counts,
// pktsRec included, equal the replayed capture and the end report.
func TestPrometheusScrapesLiveCapture(t *testing.T) {
	l := newLiveNet(t)
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is needed to query Prometheus inside the namespace")
	}
	e := newEnv(t)
	target := "127.0.0.1:9275"
	p := l.startT2(e, "-w", e.out+"/", "-l", "--prom-addr", target)
	logPath := filepath.Join(e.out, l.capIf+"_log.txt")
	waitFile(t, logPath, "Prometheus metrics at", 30*time.Second)
	ps := startPrometheus(t, l.ns, target, 9090)
	l.replay(t, testdata("pcaps", "http-web-browsing.pcap"))
	ps.waitValue(last("t2_num_pkts_total"), 4631, 60*time.Second)
	ps.waitValue(last("t2_pkts_rec_total"), 4631, 30*time.Second)
	if v, ok := ps.query(last("t2_num_bytes_total")); !ok || v != 3738523 {
		t.Errorf("t2_num_bytes_total = %v (found %v), the capture has 3738523 bytes", v, ok)
	}
	p.signal(syscall.SIGINT)
	waitFile(t, logPath, "[INF] SIGINT: Stop flow creation", 10*time.Second)
	p.signal(syscall.SIGINT)
	if code := p.wait(30 * time.Second); code != 0 {
		t.Fatalf("exit %d: %s", code, p.stderr.String())
	}
	rep := string(mustRead(t, logPath))
	for label, metric := range map[string]string{
		"Number of processed packets":    "t2_num_pkts_total",
		"Number of processed      flows": "t2_num_flows_total",
	} {
		want, ok := reportValue(rep, label)
		got, found := ps.query(last(metric))
		if !ok || !found || got != float64(want) {
			t.Errorf("end report %q = %d (found %v), Prometheus %s = %v (found %v)", label, want, ok, metric, got, found)
		}
	}
}

// TestPrometheusBadAddress: an address in use or one that does not parse
// stops t2 before the capture with one line naming MON_PROM_ADDR.
func TestPrometheusBadAddress(t *testing.T) {
	e := newEnv(t)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	for _, addr := range []string{busy.Addr().String(), "9275", "127.0.0.1:99999"} {
		r := e.run("t2", "-r", testdata("pcaps", "ntp-sparse.pcap"), "-w", e.out+"/", "--prom-addr", addr)
		if r.code == 0 || !strings.Contains(r.stderr, "MON_PROM_ADDR") || !strings.Contains(r.stderr, addr) {
			t.Errorf("--prom-addr %s: exit %d, stderr %q", addr, r.code, r.stderr)
		}
		if _, err := os.Stat(filepath.Join(e.out, "ntp-sparse_flows.txt")); err == nil {
			t.Errorf("--prom-addr %s: a flow file was written", addr)
		}
		os.Remove(filepath.Join(e.out, "ntp-sparse_flows.txt"))
	}
}
