package capture

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	d, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, d, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestList(t *testing.T) {
	dir := t.TempDir()
	a, _ := filepath.Abs(filepath.Join(pcapDir, "ntp-sparse.pcap"))
	b, _ := filepath.Abs(filepath.Join(pcapDir, "pcapng-11-interfaces.pcapng"))
	c, _ := filepath.Abs(filepath.Join(pcapDir, "tls-fragmented-handshake.pcap.gz"))
	empty := filepath.Join(dir, "empty.pcap")
	os.WriteFile(empty, nil, 0o644)
	list := filepath.Join(dir, "list.txt")
	content := "# my captures\r\n" + a + "\r\n" + filepath.Join(dir, "nope.pcap") + "\n" + empty + "\n\n" + b + "\n" + list + "\n" + c
	os.WriteFile(list, []byte(content), 0o644)

	var warns []string
	var files []Info
	src, err := OpenList(list, Options{
		Warn:   func(m string) { warns = append(warns, m) },
		OnFile: func(in Info) { files = append(files, in) },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if len(files) != 1 {
		t.Errorf("OnFile called %d times by OpenList, want 1 (the first file)", len(files))
	}
	wantWarns := []string{
		"Failed to open file '" + filepath.Join(dir, "nope.pcap") + "' for reading: No such file or directory",
		"PCAP file '" + empty + "' is empty",
		"File '" + list + "' is not a valid PCAP/PCAP-NG file",
	}
	if strings.Join(warns, "|") != strings.Join(wantWarns, "|") {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(warns, "\n"), strings.Join(wantWarns, "\n"))
	}
	in := src.Info()
	var total int64
	for _, f := range []string{a, b, c} {
		st, _ := os.Stat(f)
		total += st.Size()
	}
	if in.Kind != KindList || in.FileCount != 3 || in.TotalSize != total || in.Name != list {
		t.Errorf("info %+v, want 3 files of %d bytes", in, total)
	}
	pkts, _, err := readAll(t, src, 50)
	if err != nil {
		t.Fatal(err)
	}
	if len(pkts) != 8+64+416 {
		t.Errorf("%d packets, want %d", len(pkts), 8+64+416)
	}
	perFile := map[uint16]int{}
	for _, p := range pkts {
		perFile[p.File]++
	}
	if perFile[0] != 8 || perFile[1] != 64 || perFile[2] != 416 {
		t.Errorf("packets per file %v", perFile)
	}
	if len(files) != 3 {
		t.Fatalf("OnFile called %d times", len(files))
	}
	for i, f := range files {
		if f.FileIndex != i+1 || f.Files != i+1 || f.FileCount != 3 || f.File != []string{a, b, c}[i] {
			t.Errorf("OnFile %d: %+v", i, f)
		}
	}
	if !files[1].Pcapng || files[0].Pcapng {
		t.Errorf("Pcapng flags wrong: %+v", files)
	}

	os.WriteFile(list, []byte("# nothing\n"+empty+"\n"), 0o644)
	if _, err := OpenList(list, Options{}); err == nil || err.Error() != "No valid files found in "+list {
		t.Errorf("empty list: %v", err)
	}
}

// TestListContinuesAfterDamage: a damaged file in a list ends with a
// FormatError, and the next Read goes on with the next file.
func TestListContinuesAfterDamage(t *testing.T) {
	dir := t.TempDir()
	bad, _ := filepath.Abs(filepath.Join(pcapDir, "malformed-cut-short-null.pcap"))
	good, _ := filepath.Abs(filepath.Join(pcapDir, "ntp-sparse.pcap"))
	list := filepath.Join(dir, "l")
	os.WriteFile(list, []byte(bad+"\n"+good+"\n"), 0o644)
	src, err := OpenList(list, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var b Batch
	err = src.Read(&b, 100)
	var fe *FormatError
	if !errors.As(err, &fe) {
		t.Fatalf("first Read: %v", err)
	}
	pkts, _, err := readAll(t, src, 100)
	if err != nil || len(pkts) != 8 {
		t.Errorf("after damage: %d packets, %v", len(pkts), err)
	}
}

func TestParseSeries(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want SeriesSpec
		bad  bool
	}{
		{in: "out.pcap", want: SeriesSpec{Expr: "out.pcap", SChr: "p"}},
		{in: "/d/out_000.pcap:_,20", want: SeriesSpec{Expr: "/d/out_000.pcap", SChr: "_", Stop: 20, HasStop: true}},
		{in: "x*.pcap:ab", want: SeriesSpec{Expr: "x*.pcap", SChr: "ab"}},
		{in: "out.pcap,7", want: SeriesSpec{Expr: "out.pcap", SChr: "p", Stop: 7, HasStop: true}},
		{in: "", bad: true},
		{in: ":p", bad: true},
		{in: "out.pcap:abcd", bad: true},
		{in: "out.pcap:", bad: true},
		{in: "out.pcap,x", bad: true},
		{in: "out.pcap,", bad: true},
		{in: "out.pcap,-1", bad: true},
	} {
		got, err := ParseSeries(tc.in)
		if tc.bad {
			if err == nil || err.Error() != "Option '-D': Invalid format, expected 'expr[:schr][,stop]'" {
				t.Errorf("ParseSeries(%q) = %+v, %v; want the format error", tc.in, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseSeries(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
}

func TestSeries(t *testing.T) {
	ntp := filepath.Join(pcapDir, "ntp-sparse.pcap") // 8 packets
	t.Run("default-schr-waits-for-next", func(t *testing.T) {
		dir := t.TempDir()
		for _, n := range []string{"out.pcap", "out.pcap1", "out.pcap2"} {
			copyFile(t, ntp, filepath.Join(dir, n))
		}
		stop := make(chan struct{})
		var names []string
		src, err := OpenSeries(filepath.Join(dir, "out.pcap"), Options{
			PollInterval: 5 * time.Millisecond, Stop: stop,
			OnFile: func(in Info) { names = append(names, filepath.Base(in.File)) },
		})
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		var b Batch
		got, idle := 0, 0
		for idle < 3 {
			b.Reset()
			if err := src.Read(&b, 5); err != nil {
				t.Fatal(err)
			}
			if len(b.Pkts) == 0 {
				idle++
			}
			got += len(b.Pkts)
		}
		if got != 24 {
			t.Errorf("%d packets before waiting, want 24", got)
		}
		// A new file appears: it is picked up.
		copyFile(t, ntp, filepath.Join(dir, "out.pcap3"))
		for i := 0; i < 100 && got < 32; i++ {
			b.Reset()
			if err := src.Read(&b, 5); err != nil {
				t.Fatal(err)
			}
			got += len(b.Pkts)
		}
		if got != 32 {
			t.Errorf("%d packets after out.pcap3 appeared, want 32", got)
		}
		close(stop)
		b.Reset()
		if err := src.Read(&b, 5); err != io.EOF {
			t.Errorf("Read after Stop = %v, want EOF", err)
		}
		if strings.Join(names, ",") != "out.pcap,out.pcap1,out.pcap2,out.pcap3" {
			t.Errorf("files %v", names)
		}
		if in := src.Info(); in.Kind != KindSeries || in.Files != 4 || in.TotalSize != 0 {
			t.Errorf("info %+v", in)
		}
	})
	t.Run("fixed-width-stop", func(t *testing.T) {
		dir := t.TempDir()
		for _, n := range []string{"cap_00.pcap", "cap_01.pcap", "cap_02.pcap"} {
			copyFile(t, ntp, filepath.Join(dir, n))
		}
		src, err := OpenSeries(filepath.Join(dir, "cap_*.pcap")+":_,1", Options{PollInterval: time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		pkts, _, err := readAll(t, src, 100)
		if err != nil || len(pkts) != 16 {
			t.Errorf("%d packets, %v; want 16 (files 00 and 01)", len(pkts), err)
		}
	})
	t.Run("file-timeout-skips", func(t *testing.T) {
		dir := t.TempDir()
		for _, n := range []string{"d_0.pcap", "d_2.pcap"} {
			copyFile(t, ntp, filepath.Join(dir, n))
		}
		var warns []string
		src, err := OpenSeries(filepath.Join(dir, "d_0.pcap")+":_,2", Options{
			PollInterval: 2 * time.Millisecond, FileTimeout: 20 * time.Millisecond,
			Warn: func(m string) { warns = append(warns, m) },
		})
		if err != nil {
			t.Fatal(err)
		}
		pkts, _, err := readAll(t, src, 100)
		if err != nil || len(pkts) != 16 {
			t.Errorf("%d packets, %v; want 16 (files 0 and 2)", len(pkts), err)
		}
		if len(warns) != 1 || !strings.Contains(warns[0], "d_1.pcap") {
			t.Errorf("warnings %q", warns)
		}
	})
	t.Run("round-robin", func(t *testing.T) {
		dir := t.TempDir()
		for _, n := range []string{"r_00.pcap", "r_01.pcap"} {
			copyFile(t, ntp, filepath.Join(dir, n))
		}
		stop := make(chan struct{})
		opened := 0
		src, err := OpenSeries(filepath.Join(dir, "r_00.pcap")+":_,1", Options{
			PollInterval: time.Millisecond, RoundRobin: true, Stop: stop,
			OnFile: func(Info) {
				if opened++; opened == 5 {
					close(stop)
				}
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		pkts, _, err := readAll(t, src, 100)
		// Stop only ends the waiting: the 5th file is read to its end.
		if err != nil || len(pkts) != 40 {
			t.Errorf("%d packets, %v; want 40 (5 files)", len(pkts), err)
		}
	})
	if _, err := OpenSeries("out.pcap:abcd", Options{}); err == nil {
		t.Error("bad -D accepted")
	}
}

// Info may be called from another goroutine (the analyzer's reports)
// while Read switches files; run with -race.
func TestInfoWhileReadingList(t *testing.T) {
	dir := t.TempDir()
	a, _ := filepath.Abs(filepath.Join(pcapDir, "ntp-sparse.pcap"))
	b, _ := filepath.Abs(filepath.Join(pcapDir, "http-web-browsing.pcap"))
	list := filepath.Join(dir, "list.txt")
	os.WriteFile(list, []byte(a+"\n"+b+"\n"+a+"\n"), 0o644)
	src, err := OpenList(list, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	stop := make(chan struct{})
	done := make(chan int)
	go func() {
		seen := 0
		for {
			select {
			case <-stop:
				done <- seen
				return
			default:
				if src.Info().FileIndex > 0 {
					seen++
				}
			}
		}
	}()
	pkts, _, err := readAll(t, src, 7)
	close(stop)
	if n := <-done; n == 0 || err != nil || len(pkts) == 0 {
		t.Fatalf("%d Info calls saw a file, %d packets, %v", n, len(pkts), err)
	}
	if got := src.Info().FileIndex; got != 3 {
		t.Errorf("FileIndex %d at the end, want 3", got)
	}
}
