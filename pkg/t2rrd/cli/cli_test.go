package cli

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/t2go/t2go/pkg/iostreams"
)

const testdata = "../../../testdata/t2rrd"

func needRRDTool(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("rrdtool"); err != nil {
		t.Skip("rrdtool binary not installed (apt install rrdtool); it is the test oracle")
	}
}

type result struct {
	code     int
	out, err string
}

func run(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(context.Background(), args, iostreams.Test(stdin, &out, &errb))
	return result{code, out.String(), errb.String()}
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testdata, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// monitoringDB feeds T2's synthetic input (299 one-second rows) into a
// temporary database.
func monitoringDB(t *testing.T) string {
	t.Helper()
	needRRDTool(t)
	db := filepath.Join(t.TempDir(), "monitoring.rrd")
	r := run(t, readFile(t, "t2rrd-synthetic-input.txt"), "-m", "-d", db)
	if r.code != 0 {
		t.Fatalf("-m: exit %d\n%s", r.code, r.err)
	}
	if !strings.Contains(r.err, "299 rows stored from 300 lines read (33 data sources, step 1 s, heartbeat 10 s)") {
		t.Errorf("summary:\n%s", r.err)
	}
	return db
}

func TestListAndInfoAsT2(t *testing.T) {
	db := monitoringDB(t)
	// samples/t2rrd-L-and-I.txt: -L output, a "----- -I" line, -I output.
	want := readFile(t, "t2rrd-L-and-I.txt")
	wantL, wantI, _ := strings.Cut(want, "----- -I\n")
	r := run(t, "", "-L", "-d", db)
	if r.code != 0 || r.out != wantL {
		t.Errorf("-L: exit %d\n%q\nwant\n%q", r.code, r.out, wantL)
	}
	r = run(t, "", "-I", "-d", db)
	wantI = strings.Replace(wantI, "Database: monitoring.rrd", "Database: "+db, 1)
	if r.code != 0 || r.out != wantI {
		t.Errorf("-I: exit %d\n%s\nwant\n%s", r.code, r.out, wantI)
	}
	// rrdtool's own first/last agree.
	first, _ := exec.Command("rrdtool", "first", db).Output()
	last, _ := exec.Command("rrdtool", "last", db).Output()
	if !strings.Contains(r.out, "First record: "+strings.TrimSpace(string(first))+"\n") || !strings.Contains(r.out, "Last record: "+strings.TrimSpace(string(last))+"\n") {
		t.Errorf("-I disagrees with rrdtool first %s / last %s:\n%s", first, last, r.out)
	}
}

func TestHelp(t *testing.T) {
	r := run(t, "", "-h", "-d", filepath.Join(t.TempDir(), "none.rrd"))
	want := readFile(t, "t2rrd-usage.txt")
	// T2's text, plus our --daemon and --step options under "Optional arguments".
	wantPlus := strings.Replace(want, "    -d name     name of the database [default: monitoring.rrd]\n",
		"    -d name     name of the database [default: monitoring.rrd]\n"+
			"    --daemon addr\n"+
			"                read and write the database through rrdcached at 'addr'\n"+
			"                (unix:/path/to/socket or host[:port], port 42217 by default)\n"+
			"    --step sec  RRD step for -m [default: detected from the report times]\n", 1)
	if r.code != 0 || r.out != wantPlus {
		t.Errorf("-h: exit %d\n%s", r.code, r.out)
	}
	db := monitoringDB(t)
	r = run(t, "", "--help", "-d", db)
	if !strings.Contains(r.out, "FIELD1 and FIELD2 can be one of the following:\n\n        memUsageKB ") {
		t.Errorf("-h with a database should list the fields:\n%s", r.out)
	}
}

func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"-z"}, "t2rrd: Unknown option '-z'\n"},
		{[]string{"--bogus"}, "t2rrd: Unknown option '--bogus'\n"},
		{[]string{"a", "b", "c"}, "t2rrd: Unknown option 'c'\n"},
	} {
		r := run(t, "", tc.args...)
		if r.code != 1 || r.err != tc.msg || r.out != "Try 't2rrd --help' for more information.\n" {
			t.Errorf("%v: exit %d, stderr %q, stdout %q", tc.args, r.code, r.err, r.out)
		}
	}
	r := run(t, "", "-L", "-d", filepath.Join(dir, "missing.rrd"))
	if r.code != 1 || !strings.Contains(r.err, "missing.rrd does not exist") {
		t.Errorf("-L on missing DB: %d %q", r.code, r.err)
	}
	notRRD := filepath.Join(dir, "text.rrd")
	os.WriteFile(notRRD, []byte("not an rrd"), 0o644)
	r = run(t, "", "-I", "-d", notRRD)
	if r.code != 1 || !strings.Contains(r.err, "not a valid RRD file") {
		t.Errorf("-I on a text file: %d %q", r.code, r.err)
	}
	r = run(t, "", "-m", "-d", filepath.Join(dir, "x.rrd"))
	if r.code != 1 || !strings.Contains(r.err, "no machine-report header") {
		t.Errorf("-m on empty input: %d %q", r.code, r.err)
	}
	db := monitoringDB(t)
	r = run(t, "", "-n", "-d", db, "-p", filepath.Join(dir, "x.png"), "numPackets")
	if r.code != 1 || !strings.Contains(r.err, "field 'numPackets' does not exist; the database has: memUsageKB fillSzHashMap numFlows") {
		t.Errorf("unknown field: %d %q", r.code, r.err)
	}
	for _, bad := range [][]string{{"-r", "640"}, {"-r", "axb"}, {"-i", "10q"}, {"-s", "yesterday"}, {"-t", "-1"}} {
		args := append([]string{"-n", "-d", db, "-p", filepath.Join(dir, "x.png")}, bad...)
		if r := run(t, "", args...); r.code != 1 || r.err == "" {
			t.Errorf("%v: exit %d %q", bad, r.code, r.err)
		}
	}
}

func pngSize(t *testing.T, name string) (int, int) {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return cfg.Width, cfg.Height
}

func TestPlots(t *testing.T) {
	db := monitoringDB(t)
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
		w, h int
	}{
		{"tutorial", []string{"-n", "-e", "last", "-i", "2m", "numAPkts", "numBPkts"}, 640, 480},
		{"default field", []string{"-n", "-a"}, 640, 480},
		{"size", []string{"-n", "-r", "800x300", "-b", "numAPkts"}, 800, 300},
		{"start first", []string{"-n", "-s", "first", "-i", "1h", "numAPkts"}, 640, 480},
		{"start end", []string{"-n", "-s", "1258544300", "-e", "1258544400.5", "numAPkts"}, 640, 480},
		{"relative", []string{"-n", "-s", "last-1m", "-e", "last", "numAPkts"}, 640, 480},
		{"hw trend log limits", []string{"-n", "-a", "-f", "-t", "1", "-x", "-u", "100", "-l", "1", "numAPkts", "numBPkts"}, 640, 480},
	} {
		t.Run(tc.name, func(t *testing.T) {
			png := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".png")
			r := run(t, "", append([]string{"-d", db, "-p", png}, tc.args...)...)
			if r.code != 0 || r.out != png+"\n" {
				t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.out, r.err)
			}
			if w, h := pngSize(t, png); w != tc.w || h != tc.h {
				t.Errorf("PNG is %dx%d, want %dx%d", w, h, tc.w, tc.h)
			}
		})
	}
	// Default name FIELD1_FIELD2.png in the current directory.
	wd, _ := os.Getwd()
	os.Chdir(dir)
	defer os.Chdir(wd)
	r := run(t, "", "-n", "-d", db, "numAFlows", "numBFlows")
	if r.code != 0 || r.out != "numAFlows_numBFlows.png\n" {
		t.Errorf("default PNG name: %d %q %q", r.code, r.out, r.err)
	}
	if _, err := os.Stat(filepath.Join(dir, "numAFlows_numBFlows.png")); err != nil {
		t.Error(err)
	}
}

// Without -n the plot is redrawn every -U seconds until interrupted.
func TestLivePlotStopsOnCancel(t *testing.T) {
	db := monitoringDB(t)
	png := filepath.Join(t.TempDir(), "live.png")
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb bytes.Buffer
	done := make(chan int)
	go func() {
		done <- Main(ctx, []string{"-d", db, "-p", png, "-U", "1", "numPkts"}, iostreams.Test("", &out, &errb))
	}()
	// Wait for the first drawing, then interrupt.
	for i := 0; i < 500; i++ {
		if _, err := os.Stat(png); err == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("exit %d: %s", code, errb.String())
	}
	if out.String() != png+"\n" {
		t.Errorf("stdout %q", out.String())
	}
}

// rrdcached on a unix socket in a temporary folder: -m writes through it,
// -L and a plot read through it, rrdtool fetch sees the values.
func TestDaemon(t *testing.T) {
	needRRDTool(t)
	bin, err := exec.LookPath("rrdcached")
	if err != nil {
		t.Skip("rrdcached binary not installed (apt install rrdcached)")
	}
	dir := t.TempDir()
	sock := filepath.Join(dir, "rrdcached.sock")
	cmd := exec.Command(bin, "-g", "-l", "unix:"+sock, "-b", dir, "-B", "-p", filepath.Join(dir, "rrdcached.pid"), "-w", "3600", "-z", "1")
	var logb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logb, &logb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	}()
	for i := 0; ; i++ {
		if _, err := os.Stat(sock); err == nil {
			break
		}
		if i > 500 {
			t.Fatalf("rrdcached did not start:\n%s", logb.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	addr := "unix:" + sock
	db := filepath.Join(dir, "central.rrd")
	r := run(t, readFile(t, "machine-diff-pcaptime.pipe.txt"), "-m", "--daemon", addr, "-d", db)
	if r.code != 0 {
		t.Fatalf("-m --daemon: exit %d\n%s\n%s", r.code, r.err, logb.String())
	}
	if !strings.Contains(r.err, "3 rows stored") {
		t.Errorf("summary:\n%s", r.err)
	}
	// -m flushed at the end: the file has the rows although rrdcached
	// would hold them for an hour (-w 3600).
	out, err := exec.Command("rrdtool", "fetch", db, "AVERAGE", "-s", "1258544210", "-e", "1258544240").CombinedOutput()
	if err != nil {
		t.Fatalf("fetch: %v %s", err, out)
	}
	if !strings.Contains(string(out), "1258544240: ") || !strings.Contains(strings.Fields(string(out))[0], "memUsageKB") {
		t.Errorf("fetch:\n%s", out)
	}
	numPkts := fetchValue(t, string(out), 1258544220, "numPkts")
	if numPkts != 34 {
		t.Errorf("numPkts at 1258544220 = %v, want 34", numPkts)
	}
	// -k appends through the daemon; the new rows become visible after -m ends.
	more := "%repType\tsensorID\ttime\tduration\tmemUsageKB\tfillSzHashMap\tnumFlows\tnumAFlows\tnumBFlows\tnumPkts\tnumAPkts\tnumBPkts\tnumL2Pkts\tnumV4Pkts\tnumV6Pkts\tnumVxPkts\tnumBytes\tnumABytes\tnumBBytes\tnumFrgV4Pkts\tnumFrgV6Pkts\tnumAlarms\trawBandwidth\tglobalWarn\t0x0806Pkts\t0x0806Bytes\t0x8035Pkts\t0x8035Bytes\tTCPPkts\tTCPBytes\tUDPPkts\tUDPBytes\tICMPPkts\tICMPBytes\tICMPv6Pkts\tICMPv6Bytes\tSCTPPkts\tSCTPBytes\tftpPkts\tftpDataPkts\n"
	for i := 1; i <= 3; i++ {
		more += "USR1MR_D\t666\t" + strconv.Itoa(1258544345+10*i) + ".000000000\t10.0\t0\t0\t1\t1\t0\t77\t3\t3\t0\t6\t0\t0\t440\t188\t252\t0\t0\t0\t31.942\t0x0400000000004044\t0\t0\t0\t0\t1\t60\t5\t380\t0\t0\t0\t0\t0\t0\t0\t0\n"
	}
	r = run(t, more, "-m", "-k", "--daemon", addr, "-d", db)
	if r.code != 0 || !strings.Contains(r.err, "appended to, 3 rows stored") {
		t.Fatalf("-m -k --daemon: exit %d\n%s", r.code, r.err)
	}
	out, _ = exec.Command("rrdtool", "fetch", db, "AVERAGE", "-s", "1258544360", "-e", "1258544380").CombinedOutput()
	if v := fetchValue(t, string(out), 1258544370, "numPkts"); v != 77 {
		t.Errorf("appended numPkts = %v, want 77\n%s", v, out)
	}
	r = run(t, "", "-L", "--daemon", addr, "-d", db)
	if r.code != 0 || !strings.HasPrefix(r.out, "        memUsageKB             fillSzHashMap          numFlows       \n") || !strings.Contains(r.out, "ftpDataPkts") {
		t.Errorf("-L --daemon: %d %q %q", r.code, r.out, r.err)
	}
	png := filepath.Join(dir, "plot.png")
	r = run(t, "", "-n", "-a", "--daemon", addr, "-d", db, "-p", png, "numPkts", "UDPBytes")
	if r.code != 0 {
		t.Fatalf("plot --daemon: %d %q", r.code, r.err)
	}
	if w, h := pngSize(t, png); w != 640 || h != 480 {
		t.Errorf("PNG %dx%d", w, h)
	}
	// A daemon that is not there: one clear error.
	r = run(t, "", "-m", "--daemon", "unix:"+filepath.Join(dir, "nosock"), "-d", db)
	if r.code != 1 || !strings.Contains(r.err, "connect to rrdcached unix:") {
		t.Errorf("no daemon: %d %q", r.code, r.err)
	}
}

func fetchValue(t *testing.T, out string, at int64, ds string) float64 {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	names := strings.Fields(lines[0])
	for _, l := range lines[1:] {
		ts, vals, ok := strings.Cut(l, ":")
		if !ok || strings.TrimSpace(ts) != strconv.FormatInt(at, 10) {
			continue
		}
		for i, v := range strings.Fields(vals) {
			if names[i] == ds {
				f, _ := strconv.ParseFloat(v, 64)
				return f
			}
		}
	}
	t.Fatalf("no %s at %d in\n%s", ds, at, out)
	return 0
}

// Run takes the Options the flags fill; a test can call it directly and
// gets what the command line gives.
func TestRunWithOptions(t *testing.T) {
	db := monitoringDB(t)
	var out, errb bytes.Buffer
	if err := Run(context.Background(), &Options{IO: iostreams.Test("", &out, &errb), DB: db, List: true}); err != nil {
		t.Fatal(err)
	}
	if r := run(t, "", "-L", "-d", db); r.out != out.String() || out.Len() == 0 {
		t.Errorf("Run: %q\n-L: %q", out.String(), r.out)
	}
	// NewCmd fills Options from flags and arguments and hands them over.
	var got *Options
	cmd := NewCmd(iostreams.Test("", &out, &errb), func(_ context.Context, o *Options) error { got = o; return nil })
	cmd.SetArgs([]string{"-n", "-u", "5", "-d", "x.rrd", "-i", "1h", "numPkts", "numBytes"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got == nil || !got.NoUpdate || got.Upper == nil || *got.Upper != 5 || got.Lower != nil || got.DB != "x.rrd" ||
		got.Interval != "1h" || got.Field1 != "numPkts" || got.Field2 != "numBytes" || got.Size != "640x480" {
		t.Errorf("options %+v", got)
	}
}
