package t2cmd

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/t2go/t2go/pkg/plugin"
)

func TestParseSplit(t *testing.T) {
	tests := []struct {
		in     string
		prefix string
		want   plugin.SplitSpec
		bad    bool
	}{
		{"out", "out", plugin.SplitSpec{Enabled: true, Size: 500000000}, false},
		{"out:1.5e9", "out", plugin.SplitSpec{Enabled: true, Size: 1500000000}, false},
		{"dir/out:10K", "dir/out", plugin.SplitSpec{Enabled: true, Size: 10000}, false},
		{"out:2M,3", "out", plugin.SplitSpec{Enabled: true, Size: 2000000, Start: 3}, false},
		{"out:1G", "out", plugin.SplitSpec{Enabled: true, Size: 1000000000}, false},
		{"out:10Kf", "out", plugin.SplitSpec{Enabled: true, Size: 10000, CountFlows: true}, false},
		{"out,7", "out", plugin.SplitSpec{Enabled: true, Size: 500000000, Start: 7}, false},
		{"out:12Q", "", plugin.SplitSpec{}, true},
		{"out:0", "", plugin.SplitSpec{}, true},
		{"out:5,x", "", plugin.SplitSpec{}, true},
		{":5", "", plugin.SplitSpec{}, true},
	}
	for _, tc := range tests {
		p, sp, err := ParseSplit(tc.in)
		if tc.bad {
			if err == nil {
				t.Errorf("ParseSplit(%q) accepted", tc.in)
			}
			continue
		}
		if err != nil || p != tc.prefix || sp != tc.want {
			t.Errorf("ParseSplit(%q) = %q %+v %v, want %q %+v", tc.in, p, sp, err, tc.prefix, tc.want)
		}
	}
}

func TestReadBPFFile(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "f")
	os.WriteFile(f, []byte("# web only\ntcp port 80   # http\n\n or udp\n"), 0o644)
	got, err := ReadBPFFile(f)
	if err != nil || got != "tcp port 80 or udp" {
		t.Fatalf("ReadBPFFile = %q, %v", got, err)
	}
	os.WriteFile(f, []byte("# nothing\n\n"), 0o644)
	if _, err := ReadBPFFile(f); err == nil {
		t.Fatal("an empty filter file must be an error")
	}
	if _, err := ReadBPFFile(filepath.Join(dir, "missing")); err == nil {
		t.Fatal("a missing file must be an error")
	}
}

func TestFlagErrorText(t *testing.T) {
	tests := map[string]string{
		"unknown shorthand flag: 'q' in -q":      "Unknown option '-q'",
		"unknown flag: --frobnicate":             "Unknown option '--frobnicate'",
		"flag needs an argument: 'M' in -M":      "Option '-M' requires an argument",
		"flag needs an argument: --mon-interval": "Option --mon-interval requires an argument",
		`invalid argument "abc" for "-M, --mon-interval" flag: strconv.ParseFloat: parsing "abc": invalid syntax`: "Option '-M': invalid value 'abc' (expected a number of seconds)",
		`invalid argument "x1" for "-S, --snaplen" flag: strconv.ParseInt: parsing "x1": invalid syntax`:          "Option '-S': invalid value 'x1' (expected an integer)",
	}
	for in, want := range tests {
		if got := flagErrorText(errors.New(in)); got != want {
			t.Errorf("flagErrorText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestReadBPFFileLimit(t *testing.T) {
	// An endless file ends with an error naming the limit.
	_, err := ReadBPFFile("/dev/zero")
	if err == nil || !strings.Contains(err.Error(), "larger than") || !strings.Contains(err.Error(), "/dev/zero") {
		t.Fatalf("/dev/zero: %v", err)
	}
}

func TestParseCPUs(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []int
		ok   bool
	}{
		{"2", []int{2}, true},
		{"0", []int{0}, true},
		{"1,2", []int{1, 2}, true},
		{"1-4", []int{1, 2, 3, 4}, true},
		{"1,3-4", []int{1, 3, 4}, true},
		{"0,1", nil, false},
		{"0-2", nil, false},
		{"4-1", nil, false},
		{"x", nil, false},
		{"1,", nil, false},
		{"-1", nil, false},
	} {
		got, err := parseCPUs(tc.in)
		if (err == nil) != tc.ok || (tc.ok && fmt.Sprint(got) != fmt.Sprint(tc.want)) {
			t.Errorf("parseCPUs(%q) = %v, %v; want %v (ok %v)", tc.in, got, err, tc.want, tc.ok)
		}
	}
}
