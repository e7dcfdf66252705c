package capture

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// vethPair creates a veth pair with IPv6 off (no neighbour/router
// solicitations to count) and removes it when the test ends.
func vethPair(t *testing.T) (capIf, sendIf string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("live capture test needs root (creates a veth pair)")
	}
	for _, tool := range []string{"ip", "tcpreplay", "sysctl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("live capture test needs %s", tool)
		}
	}
	id := fmt.Sprintf("%d%d", os.Getpid()%10000, time.Now().UnixNano()%1000)
	capIf, sendIf = "t2c"+id+"a", "t2c"+id+"b"
	run := func(args ...string) {
		t.Helper()
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	run("ip", "link", "add", capIf, "type", "veth", "peer", "name", sendIf)
	t.Cleanup(func() { exec.Command("ip", "link", "del", capIf).Run() })
	for _, i := range []string{capIf, sendIf} {
		run("sysctl", "-q", "-w", "net.ipv6.conf."+i+".disable_ipv6=1")
		run("ip", "link", "set", i, "up")
	}
	return capIf, sendIf
}

// liveCount reads src in the background until stop, counting packets.
func liveCount(src Source, stop chan struct{}) (done chan [2]int64, errc chan error) {
	done, errc = make(chan [2]int64, 1), make(chan error, 1)
	go func() {
		var b Batch
		var n, bytes int64
		for {
			b.Reset()
			err := src.Read(&b, 64)
			n += int64(len(b.Pkts))
			for _, p := range b.Pkts {
				bytes += int64(p.WireLen)
			}
			if err == io.EOF {
				done <- [2]int64{n, bytes}
				return
			}
			if err != nil {
				errc <- err
				return
			}
		}
	}()
	return done, errc
}

func TestLiveReplay(t *testing.T) {
	capIf, sendIf := vethPair(t)
	stop := make(chan struct{})
	var onFile []Info
	src, err := OpenLive(capIf, Options{Promisc: true, Timeout: 50 * time.Millisecond, Stop: stop,
		OnFile: func(in Info) { onFile = append(onFile, in) }})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if in := src.Info(); in.Kind != KindLive || in.LinkType != 1 || in.SnapLen != 65535 || in.Name != capIf {
		t.Errorf("info %+v", in)
	}

	// Idle: Read comes back after about the timeout with nothing.
	var b Batch
	t0 := time.Now()
	if err := src.Read(&b, 64); err != nil || len(b.Pkts) != 0 {
		t.Fatalf("idle Read: %d packets, %v", len(b.Pkts), err)
	}
	if d := time.Since(t0); d > 2*time.Second {
		t.Errorf("idle Read took %v with a 50ms timeout", d)
	}

	done, errc := liveCount(src, stop)
	out, err := exec.Command("tcpreplay", "-q", "-i", sendIf, "--topspeed", filepath.Join(pcapDir, "http-web-browsing.pcap")).CombinedOutput()
	if err != nil {
		t.Fatalf("tcpreplay: %v\n%s", err, out)
	}
	time.Sleep(500 * time.Millisecond)
	close(stop)
	select {
	case got := <-done:
		if got[0] != 4631 || got[1] != 3738523 {
			t.Errorf("received %d packets / %d bytes, want 4631 / 3738523", got[0], got[1])
		}
	case err := <-errc:
		t.Fatal(err)
	case <-time.After(5 * time.Second):
		t.Fatal("Read did not return io.EOF after Stop")
	}
	st, ok := src.Stats()
	if !ok || st.Received < 4631 || st.Dropped != 0 {
		t.Errorf("stats %+v, %v: want >= 4631 received, 0 dropped", st, ok)
	}
	if len(onFile) != 0 {
		t.Errorf("OnFile called for a live interface: %+v", onFile)
	}
}

func TestLiveBPF(t *testing.T) {
	capIf, sendIf := vethPair(t)
	const filter = "udp port 53"
	want := tcpdumpCount(t, "http-web-browsing.pcap", filter)
	stop := make(chan struct{})
	src, err := OpenLive(capIf, Options{BPF: filter, Promisc: true, Stop: stop})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	done, errc := liveCount(src, stop)
	if out, err := exec.Command("tcpreplay", "-q", "-i", sendIf, "--topspeed", filepath.Join(pcapDir, "http-web-browsing.pcap")).CombinedOutput(); err != nil {
		t.Fatalf("tcpreplay: %v\n%s", err, out)
	}
	time.Sleep(500 * time.Millisecond)
	close(stop)
	select {
	case got := <-done:
		if got[0] != int64(want) {
			t.Errorf("received %d packets through %q, want %d", got[0], filter, want)
		}
	case err := <-errc:
		t.Fatal(err)
	case <-time.After(5 * time.Second):
		t.Fatal("Read did not return io.EOF after Stop")
	}
	if _, err := OpenLive(capIf, Options{BPF: "port nonsense"}); err == nil {
		t.Error("bad live filter accepted")
	}
	if _, err := OpenLive("t2nosuchif0", Options{}); err == nil {
		t.Error("missing interface accepted")
	}
}
