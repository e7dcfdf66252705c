package services

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func TestRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "services")
	data := "# comment line\n" +
		"ftp-data 20/tcp # File Transfer [Default Data]\n" +
		"ftp-data 20/udp\n" +
		"ftp2 20/tcp # a later name for the same port is ignored\n" +
		"x11 6000-6002/tcp # X Window System\n" +
		"sctp-only 9/sctp # not tcp or udp\n" +
		"bad 70000/tcp # out of range\n" +
		"rev 9-8/udp # empty range\n" +
		"lonely\n"
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	want := "[{20 tcp ftp-data File Transfer [Default Data]} {20 udp ftp-data } " +
		"{6000 tcp x11 X Window System} {6001 tcp x11 X Window System} {6002 tcp x11 X Window System}]"
	if fmt.Sprint(got) != want {
		t.Errorf("got  %v\nwant %s", got, want)
	}
	if _, err := Read(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("a missing file gives no error")
	}
}
