package tcol

import (
	"bytes"
	"strings"
	"testing"

	"github.com/t2go/t2go/pkg/cliutil"
	"github.com/t2go/t2go/pkg/iostreams"
)

func TestAlign(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"a\n", "a\n"},
		{"%a\tbb\tc\nxxxx\t\ty\n", "%a    bb  c\nxxxx      y\n"},
		{"1\t2\t3\t\n", "1  2  3\n"},               // trailing TAB: no blanks
		{"a\tb\r\nccc\td\r\n", "a    b\nccc  d\n"}, // CRLF
		{"ä\tx\nab\ty\n", "ä   x\nab  y\n"},        // width in characters
		{"a\nb\tc\td\n", "a\nb  c  d\n"},           // ragged rows
		{"\t\tz\nlong\t\t\n", "        z\nlong\n"}, // leading empties keep their column
	}
	for _, tt := range tests {
		var out, errOut bytes.Buffer
		ios := iostreams.Test(tt.in, &out, &errOut)
		if code := cliutil.Execute(NewCmd(ios, nil), ios, nil, nil); code != 0 || out.String() != tt.want {
			t.Errorf("tcol on %q: %d\n%q\nwant\n%q", tt.in, code, out.String(), tt.want)
		}
	}
}

func TestPagerOnTerminalOnly(t *testing.T) {
	for _, tt := range []struct {
		tty, noPager, paged bool
		args                []string
	}{{false, false, false, nil}, {true, false, true, nil}, {true, true, false, []string{"-P"}}} {
		var out bytes.Buffer
		ios := iostreams.Test("a\tb\n", &out, &out)
		ios.IsTTY = tt.tty
		var paged []byte
		cmd := NewCmd(ios, func(o *Options) error {
			if o.IO.IsTTY && !o.NoPager {
				o.Pager = func(b []byte) error { paged = b; return nil }
			}
			return Run(o)
		})
		cliutil.Execute(cmd, ios, tt.args, nil)
		if (paged != nil) != tt.paged || (!tt.paged && out.String() != "a  b\n") || (tt.paged && string(paged) != "a  b\n") {
			t.Errorf("tty=%v %v: paged %q out %q", tt.tty, tt.args, paged, out.String())
		}
	}
}

func TestMissingFile(t *testing.T) {
	var out, errOut bytes.Buffer
	ios := iostreams.Test("", &out, &errOut)
	if code := cliutil.Execute(NewCmd(ios, nil), ios, []string{"/nonexistent/x.txt"}, nil); code != 1 ||
		!strings.Contains(errOut.String(), "tcol: open /nonexistent/x.txt: no such file or directory") {
		t.Errorf("%d %q", code, errOut.String())
	}
}
