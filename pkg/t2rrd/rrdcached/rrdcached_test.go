package rrdcached

import (
	"bufio"
	"context"
	"net"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseAddr(t *testing.T) {
	for _, tc := range []struct{ in, network, addr string }{
		{"unix:/run/rrdcached.sock", "unix", "/run/rrdcached.sock"},
		{"/run/rrdcached.sock", "unix", "/run/rrdcached.sock"},
		{"rrdhost", "tcp", "rrdhost:42217"},
		{"rrdhost:4000", "tcp", "rrdhost:4000"},
		{"[::1]:4000", "tcp", "[::1]:4000"},
		{"[::1]", "tcp", "[::1]:42217"},
	} {
		n, a, err := ParseAddr(tc.in)
		if err != nil || n != tc.network || a != tc.addr {
			t.Errorf("ParseAddr(%q) = %s %s %v", tc.in, n, a, err)
		}
	}
	for _, bad := range []string{"", "unix:"} {
		if _, _, err := ParseAddr(bad); err == nil {
			t.Errorf("ParseAddr(%q) accepted", bad)
		}
	}
}

// A scripted daemon: checks the BATCH exchange and the per-update errors.
func TestBatchErrors(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "s")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	got := make(chan []string, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		r := bufio.NewReader(c)
		var lines []string
		for {
			s, err := r.ReadString('\n')
			if err != nil {
				break
			}
			s = strings.TrimSuffix(s, "\n")
			lines = append(lines, s)
			switch {
			case s == "BATCH":
				c.Write([]byte("0 Go ahead.  End with dot '.' on its own line.\n"))
			case s == ".":
				c.Write([]byte("2 errors\n2 illegal attempt to update using time 5\n3 bad value\n"))
			case strings.HasPrefix(s, "FLUSH"):
				c.Write([]byte("-1 No such file: x.rrd\n"))
			case s == "QUIT":
				got <- lines
				return
			}
		}
		got <- lines
	}()
	c, err := Dial(context.Background(), "unix:"+sock)
	if err != nil {
		t.Fatal(err)
	}
	errs, err := c.Batch("/abs/x.rrd", []string{"10:1", "5:2", "11:x"})
	if err != nil || len(errs) != 2 || errs[0].Index != 1 || errs[1].Index != 2 || errs[1].Message != "bad value" {
		t.Errorf("Batch = %+v, %v", errs, err)
	}
	if err := c.Flush("/abs/x.rrd"); err == nil || !strings.Contains(err.Error(), "No such file") {
		t.Errorf("Flush error = %v", err)
	}
	if _, err := c.Batch("/abs/x y.rrd", []string{"1:1"}); err == nil {
		t.Errorf("a file name with a space was sent")
	}
	c.Close()
	lines := <-got
	want := "BATCH|UPDATE /abs/x.rrd 10:1|UPDATE /abs/x.rrd 5:2|UPDATE /abs/x.rrd 11:x|.|FLUSH /abs/x.rrd|QUIT"
	if strings.Join(lines, "|") != want {
		t.Errorf("daemon saw %q", strings.Join(lines, "|"))
	}
}
