package rrdcached

import (
	"bufio"
	"context"
	"errors"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"
)

// hostile starts a fake daemon on loopback that answers every command
// with reply (then, if stream is set, writes it forever) and returns its
// address.
func hostile(t *testing.T, reply string, stream string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
			go func() {
				r := bufio.NewReader(c)
				if _, err := r.ReadString('\n'); err != nil {
					return
				}
				if reply != "" {
					c.Write([]byte(reply))
				}
				if stream != "" {
					b := []byte(strings.Repeat(stream, 1<<14))
					for {
						if _, err := c.Write(b); err != nil {
							return
						}
					}
				}
				// else: silent, keep the connection open
				r.ReadString('\n')
			}()
		}
	}()
	return l.Addr().String()
}

func heapGrowth(f func()) uint64 {
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

// Each of these replies once made the client run out of memory, panic,
// hang for minutes or forever, or buffer hundreds of MB.
func TestHostileDaemon(t *testing.T) {
	for _, tc := range []struct {
		name, reply, stream, want string
	}{
		{"count 2^31-1", "2147483647 lines follow\n", "", "announces 2147483647 lines"},
		{"count 2^63-1", "9223372036854775807 lines follow\n", "", "announces 9223372036854775807 lines"},
		{"count 1e8 streamed", "100000000 lines follow\n", "ds[x].value 1\n", "announces 100000000 lines"},
		{"count 1e6 streamed", "1000000 lines follow\n", strings.Repeat("x", 200) + "\n", "reply longer than"},
		{"count overflow", "99999999999999999999 x\n", "", "malformed reply"},
		{"huge line", "", "x", "reply line longer than"},
		{"huge status after count", "1 one\n", "y", "reply line longer than"},
		{"silent", "", "", "no answer within"},
		{"silent after count", "3 lines\nkey 1\n", "", "no answer within"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr := hostile(t, tc.reply, tc.stream)
			c, err := Dial(context.Background(), addr)
			if err != nil {
				t.Fatal(err)
			}
			// The silent daemons must be given up on after the deadline; the
			// others must be stopped by a size bound, which streaming 16 MiB
			// under -race on a loaded machine may take longer than that.
			c.Timeout = 300 * time.Millisecond
			if !strings.HasPrefix(tc.want, "no answer") {
				c.Timeout = 5 * time.Second
			}
			defer c.Close()
			var ierr error
			start := time.Now()
			grown := heapGrowth(func() { _, ierr = c.Info("x.rrd") })
			if ierr == nil || !strings.Contains(ierr.Error(), tc.want) {
				t.Errorf("error %v, want %q", ierr, tc.want)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("took %v", d)
			}
			if grown > 100<<20 {
				t.Errorf("allocated %d MB", grown>>20)
			}
		})
	}
}

// Cancelling the context (SIGINT/SIGTERM in t2rrd) ends a wait on a silent
// daemon at once, long before the exchange timeout.
func TestCancelEndsWait(t *testing.T) {
	addr := hostile(t, "", "")
	ctx, cancel := context.WithCancel(context.Background())
	c, err := Dial(ctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err = c.Last("x.rrd")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %v after cancel", d)
	}
	if _, err := c.Last("x.rrd"); !errors.Is(err, context.Canceled) {
		t.Errorf("later call: %v", err)
	}
}

// A BATCH reply has at most one error line per update sent.
func TestBatchReplyBounded(t *testing.T) {
	_, _, err := ReadReply(bufio.NewReader(strings.NewReader("5 errors\n1 a\n2 b\n3 c\n4 d\n5 e\n")), 3)
	var pe *ProtocolError
	if !errors.As(err, &pe) {
		t.Errorf("5 error lines for 3 updates: %v", err)
	}
}

func FuzzReadReply(f *testing.F) {
	for _, s := range []string{
		"0 Success\n",
		"-1 No such file: /tmp/x.rrd\n",
		"3 Info for /tmp/x.rrd follows\nfilename 2 /tmp/x.rrd\nstep 1 1\nds[a].index 1 0\n",
		"2 errors\n2 illegal attempt to update using time 5\n3 bad value\r\n",
		"9223372036854775807 lines\n",
		"2147483647 x\nx\n",
		"1\n",
		"x y\n",
		"+1 x\nline",
		"0x10 hex\n",
		"",
	} {
		f.Add([]byte(s), 4)
	}
	f.Fuzz(func(t *testing.T, data []byte, maxLines int) {
		msg, lines, err := ReadReply(bufio.NewReader(strings.NewReader(string(data))), maxLines)
		if err != nil {
			if msg != "" || lines != nil {
				t.Fatalf("error %v with msg %q, %d lines", err, msg, len(lines))
			}
			return
		}
		limit := maxLines
		if limit < 0 || limit > MaxReplyLines {
			limit = MaxReplyLines
		}
		if len(lines) > limit {
			t.Fatalf("%d lines, limit %d", len(lines), limit)
		}
		for _, l := range lines {
			if len(l) > MaxLineLen+2 || strings.ContainsAny(l, "\n") {
				t.Fatalf("line %q", l)
			}
		}
		if strings.Contains(msg, "\n") {
			t.Fatalf("msg %q", msg)
		}
	})
}
