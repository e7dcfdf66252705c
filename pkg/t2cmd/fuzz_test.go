package t2cmd

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/t2go/t2go/pkg/capture"
)

// FuzzParseSplit: every -W argument is accepted or refused with T2's
// format text, never a panic; an accepted one has a prefix and a size of
// at least one byte or flow.
func FuzzParseSplit(f *testing.F) {
	for _, s := range []string{"out", "out:1.5e9", "dir/out:10Kf,3", "out,7", ":5", "out:", "a:b:c", "out:1e400", "out:-1", "out:NaN", "x:0.5K,18446744073709551616"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		prefix, sp, err := ParseSplit(s)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "Option '-W': invalid format ") {
				t.Fatalf("ParseSplit(%q): unexpected error text %q", s, err)
			}
			return
		}
		if prefix == "" || sp.Size < 1 || !sp.Enabled {
			t.Fatalf("ParseSplit(%q) accepted %q %+v", s, prefix, sp)
		}
	})
}

// FuzzSeriesSpec: the -D check t2 runs before anything else.
func FuzzSeriesSpec(f *testing.F) {
	for _, s := range []string{"dump.pcap0", "dump.pcap0:p,10", "/x/y_00:_", "a,", ",5", "f:", "f:ab,3", "f,18446744073709551616"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sp, err := capture.ParseSeries(s)
		if err != nil {
			if !strings.Contains(err.Error(), "Option '-D'") {
				t.Fatalf("ParseSeries(%q): error without the option name: %v", s, err)
			}
			return
		}
		if sp.Expr == "" || sp.SChr == "" {
			t.Fatalf("ParseSeries(%q) accepted %+v", s, sp)
		}
	})
}

var rewritten = regexp.MustCompile(`^Option '-[A-Za-z]': invalid value '.*' \(expected (an integer|a number of seconds)\)$`)

// FuzzFlagErrorText: pflag messages with any value become one line
// without Go internals.
func FuzzFlagErrorText(f *testing.F) {
	f.Add(`invalid argument "abc" for "-M, --mon-interval" flag: strconv.ParseFloat: parsing "abc": invalid syntax`)
	f.Add(`invalid argument "" for "-c, --cpu" flag: strconv.ParseInt: parsing "": invalid syntax`)
	f.Add(`invalid argument "\"" for "-f" flag: x`)
	f.Add("flag needs an argument: 'M' in -M")
	f.Fuzz(func(t *testing.T, msg string) {
		got := flagErrorText(errors.New(msg))
		if strings.Contains(got, "\n") && !strings.Contains(msg, "\n") {
			t.Fatalf("flagErrorText(%q) = %q: more than one line", msg, got)
		}
		if strings.HasPrefix(msg, "invalid argument ") && got != msg && !rewritten.MatchString(got) {
			t.Fatalf("flagErrorText(%q) = %q: not the option's own text", msg, got)
		}
	})
}
