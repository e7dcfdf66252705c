package config

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// Kind is the type of a key, taken from its value in the default file.
type Kind int

// The kinds of values.
const (
	KindInt    Kind = iota // integer; with a [0 - 1] range it is a T2 yes/no flag
	KindFloat              // number with a decimal point in the default file
	KindString             // quoted string
	KindList               // list of quoted strings
)

func (k Kind) String() string {
	return [...]string{"integer", "number", "string", "list of strings"}[k]
}

// Value is a decoded value. Only the field matching the key's Kind is set.
type Value struct {
	Int   int64
	Float float64
	Str   string
	List  []string
}

// Choice is one entry of an enumerated list of allowed integers.
type Choice struct {
	Value int64
	Label string
}

// Spec describes one key: its type, allowed values and documentation, all
// taken from the default file (the comment block above the key).
type Spec struct {
	Component   string
	Key         string
	Kind        Kind
	Default     Value
	DefaultText string // the default value as written in the default file
	Description string // the comment block without the allowed-values notes
	Choices     []Choice
	HasRange    bool
	Min, Max    float64
	ListKind    string // "MONPROTL2"/"MONPROTL3" style lists are checked with ParseProtoList
}

// Flag reports whether the key is a T2 yes/no switch (integer 0 or 1).
func (s *Spec) Flag() bool {
	if s.Kind != KindInt {
		return false
	}
	if s.HasRange {
		return s.Min == 0 && s.Max == 1
	}
	return len(s.Choices) == 2 && s.Choices[0].Value == 0 && s.Choices[1].Value == 1
}

// Allowed describes the allowed values, e.g. "[0 - 1]" or "0 (human), 1 (machine)".
func (s *Spec) Allowed() string {
	switch {
	case len(s.Choices) > 0:
		parts := make([]string, len(s.Choices))
		for i, c := range s.Choices {
			parts[i] = fmt.Sprintf("%d (%s)", c.Value, c.Label)
		}
		return strings.Join(parts, ", ")
	case s.HasRange:
		return fmt.Sprintf("[%s - %s]", fmtNum(s.Min), fmtNum(s.Max))
	case s.Kind == KindList && s.ListKind == "MONPROTL2":
		return "list of ethertypes (names like \"ETHERTYPE_ARP\" or numbers like \"0x0806\")"
	case s.Kind == KindList && s.ListKind == "MONPROTL3":
		return "list of IP protocols (names like \"L3_TCP\" or numbers 0-255)"
	case s.Kind == KindList:
		return "list of strings"
	case s.Kind == KindString:
		return "quoted string"
	case s.Kind == KindFloat:
		return "number"
	}
	return "integer"
}

func fmtNum(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

var (
	rangeRe  = regexp.MustCompile(`\[\s*(-?[0-9][0-9.eE+-]*)\s*-\s*(-?[0-9][0-9.eE+-]*)\s*\]`)
	choiceRe = regexp.MustCompile(`(-?[0-9]+):\s+(.*?)\s*(?:\s{2,}|$)`)
	// a comment line that lists choices starts with spaces then "N:".
	choiceLineRe = regexp.MustCompile(`^\s+-?[0-9]+:\s`)
)

// newSpec builds the Spec of a default-file entry.
func newSpec(component string, e *Entry, path string) (*Spec, error) {
	s := &Spec{Component: component, Key: e.Key, DefaultText: e.Raw}
	bad := func(msg string) error {
		return &LineError{Path: path, Line: e.Line, Msg: fmt.Sprintf("%s = %s: %s", e.Key, clip(e.Raw), msg)}
	}
	switch {
	case strings.HasPrefix(e.Raw, `"`):
		s.Kind = KindString
	case strings.HasPrefix(e.Raw, "["):
		s.Kind = KindList
		if e.Key == "MONPROTL2" || e.Key == "MONPROTL3" {
			s.ListKind = e.Key
		}
	case strings.ContainsAny(e.Raw, ".eE") && !strings.HasPrefix(e.Raw, "0x"):
		s.Kind = KindFloat
	default:
		s.Kind = KindInt
	}
	var desc []string
	for _, c := range e.Comment {
		if choiceLineRe.MatchString(c) && (s.Kind == KindInt) {
			for _, m := range choiceRe.FindAllStringSubmatch(c, -1) {
				v, err := strconv.ParseInt(m[1], 10, 64)
				if err != nil {
					return nil, bad("bad choice " + m[1])
				}
				s.Choices = append(s.Choices, Choice{Value: v, Label: m[2]})
			}
			continue
		}
		if m := rangeRe.FindStringSubmatch(c); m != nil && (s.Kind == KindInt || s.Kind == KindFloat) {
			lo, err1 := strconv.ParseFloat(m[1], 64)
			hi, err2 := strconv.ParseFloat(m[2], 64)
			if err1 != nil || err2 != nil || lo > hi {
				return nil, bad("bad range " + m[0])
			}
			s.HasRange, s.Min, s.Max = true, lo, hi
			c = strings.TrimSpace(strings.Replace(c, m[0], "", 1))
			if c == "" {
				continue
			}
		}
		desc = append(desc, c)
	}
	s.Description = strings.TrimSpace(strings.Join(desc, " "))
	v, err := s.parseRaw(e.Raw)
	if err != nil {
		return nil, bad("default value is not allowed by its own comment: " + err.Error())
	}
	s.Default = v
	return s, nil
}

// parseRaw decodes value text as found in a file and checks it.
func (s *Spec) parseRaw(raw string) (Value, error) {
	var v Value
	switch s.Kind {
	case KindString:
		str, err := unquote(raw)
		if err != nil {
			return v, s.expected()
		}
		v.Str = str
	case KindList:
		l, err := parseList(raw)
		if err != nil {
			return v, s.expected()
		}
		if s.ListKind != "" {
			if _, err := ParseProtoList(s.ListKind, l); err != nil {
				return v, err
			}
		}
		v.List = l
	case KindFloat:
		f, err := strconv.ParseFloat(raw, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return v, s.expected()
		}
		if err := s.checkRange(f); err != nil {
			return v, err
		}
		v.Float = f
	case KindInt:
		var n int64
		var err error
		switch {
		case raw == "true" && s.Flag():
			n = 1
		case raw == "false" && s.Flag():
			n = 0
		default:
			n, err = strconv.ParseInt(raw, 0, 64)
			if err != nil {
				return v, s.expected()
			}
		}
		if err := s.checkRange(float64(n)); err != nil {
			return v, err
		}
		if len(s.Choices) > 0 {
			ok := false
			for _, c := range s.Choices {
				ok = ok || c.Value == n
			}
			if !ok {
				return v, s.expected()
			}
		}
		v.Int = n
		v.Float = float64(n)
	}
	return v, nil
}

func (s *Spec) checkRange(f float64) error {
	if s.HasRange && (f < s.Min || f > s.Max) {
		return s.expected()
	}
	return nil
}

// expected is the "what is allowed" part of a value error.
func (s *Spec) expected() error {
	switch {
	case s.Flag() && len(s.Choices) == 0:
		return fmt.Errorf("expected 0 or 1 (or no/yes)")
	case s.Flag():
		return fmt.Errorf("expected one of %s (or no/yes)", s.Allowed())
	case len(s.Choices) > 0:
		return fmt.Errorf("expected one of %s", s.Allowed())
	case s.Kind == KindInt && s.HasRange:
		return fmt.Errorf("expected an integer in %s", s.Allowed())
	case s.Kind == KindFloat && s.HasRange:
		return fmt.Errorf("expected a number in %s", s.Allowed())
	case s.Kind == KindString:
		return fmt.Errorf("expected a quoted string")
	case s.Kind == KindList:
		return fmt.Errorf(`expected a list of quoted strings like ["a", "b"]`)
	case s.Kind == KindFloat:
		return fmt.Errorf("expected a number")
	}
	return fmt.Errorf("expected an integer")
}

// Canonical turns a value typed by a user (t2conf -D NAME=VALUE) into the
// value text to write, accepting T2's spellings: yes/no and true/false for
// flags, strings with or without quotes, lists as ["a", "b"] or a,b.
// "default" gives the default value. The result is checked like a value
// read from a file.
func (s *Spec) Canonical(input string) (string, error) {
	in := strings.TrimSpace(input)
	if in == "default" && s.Kind != KindString {
		return s.DefaultText, nil
	}
	var raw string
	switch s.Kind {
	case KindString:
		if in == "default" {
			return s.DefaultText, nil
		}
		if strings.HasPrefix(in, `"`) != strings.HasSuffix(in, `"`) || in == `"` {
			return "", fmt.Errorf("unbalanced quotes")
		}
		if len(in) >= 2 && in[0] == '"' && in[len(in)-1] == '"' {
			if _, err := unquote(in); err != nil {
				return "", err
			}
			raw = in
		} else {
			raw = quote(in)
		}
	case KindList:
		var items []string
		if strings.HasPrefix(in, "[") {
			l, err := parseList(in)
			if err != nil {
				return "", s.expected()
			}
			items = l
		} else if in != "" {
			for _, p := range strings.Split(in, ",") {
				p = strings.Trim(strings.TrimSpace(p), `"`)
				if p == "" {
					return "", fmt.Errorf("empty list entry")
				}
				items = append(items, p)
			}
		}
		raw = formatList(items)
	case KindFloat:
		f, err := strconv.ParseFloat(in, 64)
		if err != nil {
			return "", s.expected()
		}
		raw = strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.ContainsAny(raw, ".eE") {
			raw += ".0"
		}
	case KindInt:
		switch strings.ToLower(in) {
		case "yes", "true", "on":
			if !s.Flag() {
				return "", s.expected()
			}
			raw = "1"
		case "no", "false", "off":
			if !s.Flag() {
				return "", s.expected()
			}
			raw = "0"
		default:
			n, err := strconv.ParseInt(in, 0, 64)
			if err != nil {
				// T2 accepts 1.0 for integers only when it is whole.
				f, ferr := strconv.ParseFloat(in, 64)
				if ferr != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
					return "", s.expected()
				}
				n = int64(f)
			}
			raw = strconv.FormatInt(n, 10)
		}
	}
	if _, err := s.parseRaw(raw); err != nil {
		return "", err
	}
	return raw, nil
}
