package rrddb

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// librrd stops a batch at the first refused row; Update must keep the
// good rows around it and report each bad one.
func TestLocalUpdateFallsBackRowByRow(t *testing.T) {
	if _, err := exec.LookPath("rrdtool"); err != nil {
		t.Skip("rrdtool binary not installed (apt install rrdtool); it is the test oracle")
	}
	file := filepath.Join(t.TempDir(), "x.rrd")
	db, _ := Open(context.Background(), file, "")
	if _, err := db.Info(); !errors.Is(err, ErrNotExist) {
		t.Fatalf("Info on missing file: %v", err)
	}
	if err := db.Create(1000000000, 1, []string{"DS:x:GAUGE:10:U:U", "RRA:AVERAGE:0.5:1:100"}); err != nil {
		t.Fatal(err)
	}
	rows := []Update{
		{1000000010000, "1000000010:1"},
		{1000000011000, "1000000011:2"},
		{1000000005000, "1000000005:3"}, // older: refused
		{1000000012000, "1000000012:4"},
		{1000000013000, "1000000013:abc"}, // not a number: refused
		{1000000014000, "1000000014:5"},
	}
	rej, err := db.Update(rows)
	if err != nil {
		t.Fatal(err)
	}
	if len(rej) != 2 || rej[0].Index != 2 || rej[1].Index != 4 {
		t.Errorf("rejected %+v, want rows 2 and 4", rej)
	}
	out, _ := exec.Command("rrdtool", "fetch", file, "AVERAGE", "-s", "1000000009", "-e", "1000000014").CombinedOutput()
	for _, want := range []string{"1000000010: 1.0", "1000000011: 2.0", "1000000012: 4.0", "1000000014: 5.0"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("fetch lacks %q:\n%s", want, out)
		}
	}
	inf, err := db.Info()
	if err != nil || inf.LastUpdate != 1000000014 || inf.Step != 1 || len(inf.DS) != 1 || inf.DS[0].Name != "x" || inf.DS[0].Heartbeat != 10 {
		t.Errorf("Info = %+v, %v", inf, err)
	}
	if f := inf.First(); f != 1000000014-99 {
		t.Errorf("First = %d", f)
	}
}
