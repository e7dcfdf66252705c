package control

import (
	"bytes"
	"strings"
	"testing"

	"github.com/t2go/t2go/configs"
	"github.com/t2go/t2go/pkg/config"
)

// A report printed while the progress bar is shown (stderr and stdout on
// the same terminal) starts on a cleared line, not after the bar.
func TestReportClearsProgressBar(t *testing.T) {
	cfg, err := config.LoadDefaults(config.Options{Home: t.TempDir(), Defaults: configs.FS})
	if err != nil {
		t.Fatal(err)
	}
	var term bytes.Buffer
	r, err := New(Options{InputKind: InputFile, Input: "x.pcap", Prefix: t.TempDir() + "/", HashFactor: 1,
		SensorID: -1, MonInterval: -1, Config: cfg, Signals: testSignals(), Stdout: &term, Stderr: &term,
		StderrTTY: true, StdoutTTY: true, NoColor: true})
	if err != nil {
		t.Fatal(err)
	}
	r.prog = &progress{r: r, shown: true}
	const bar = "\r[####      ]  40.0% 100 packets"
	term.WriteString(bar)
	r.printReport()
	out := term.String()
	if !strings.Contains(out, "USR1 A type report") {
		t.Fatalf("no report in %q", out)
	}
	if !strings.HasPrefix(out, bar+"\r\x1b[K") {
		t.Errorf("the report follows the bar without clearing it: %q", out[:min(len(out), 80)])
	}
	if r.prog.shown {
		t.Error("the bar still counts as shown after the report")
	}
}
