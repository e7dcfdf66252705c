package iostreams

import (
	"bytes"
	"testing"
)

func TestConfirm(t *testing.T) {
	tests := []struct {
		in        string
		assumeYes bool
		want      bool
		out       string
	}{
		{"y\n", false, true, "Go (y/N)? "},
		{"YES\n", false, true, "Go (y/N)? "},
		{" yes \r\n", false, true, "Go (y/N)? "},
		{"n\n", false, false, "Go (y/N)? "},
		{"\n", false, false, "Go (y/N)? "},
		{"yess\n", false, false, "Go (y/N)? "},
		{"", false, false, "Go (y/N)? \n"}, // end of input: finish the line
		{"", true, true, "Go (y/N)? yes\n"},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		s := Test(tt.in, &out, &out)
		if got := s.Confirm("Go (y/N)? ", tt.assumeYes); got != tt.want || out.String() != tt.out {
			t.Errorf("input %q: %v %q", tt.in, got, out.String())
		}
	}
}

func TestConfirmReadsLineByLine(t *testing.T) {
	var out bytes.Buffer
	s := Test("y\nn\ny", &out, &out)
	got := []bool{s.Confirm("", false), s.Confirm("", false), s.Confirm("", false), s.Confirm("", false)}
	if got[0] != true || got[1] != false || got[2] != true || got[3] != false {
		t.Errorf("%v", got)
	}
}

func TestColour(t *testing.T) {
	var out bytes.Buffer
	s := Test("", &out, &out)
	if s.Colour(Red, "x") != "x" {
		t.Error("colour on a non-terminal")
	}
	s.IsTTY = true
	t.Setenv("NO_COLOR", "")
	if s.Colour(Red, "x") != "\x1b[0;31mx\x1b[0m" {
		t.Error("no colour on a terminal")
	}
	t.Setenv("NO_COLOR", "1")
	if s.Colour(Red, "x") != "x" {
		t.Error("NO_COLOR ignored")
	}
}
