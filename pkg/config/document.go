package config

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// Document is one component file (the TOML subset used by t2: comments,
// blank lines and flat "KEY = value" lines). It keeps every byte of the
// original text so that edits change only the value being set.
type Document struct {
	Path  string
	lines []string
	// trailingNewline records whether the source ended with "\n".
	trailingNewline bool
	entries         []*Entry
	byKey           map[string]*Entry
}

// Entry is one "KEY = value" line of a Document.
type Entry struct {
	Key  string
	Raw  string // the value exactly as written (e.g. `1.0`, `"proto.txt"`, `["a", "b"]`)
	Line int    // 1-based line number
	// Comment holds the comment block directly above the entry, without
	// the leading "#" and one following space.
	Comment []string

	valStart, valEnd int // byte offsets of Raw inside the line
}

// ParseDocument parses data; path is used in error messages only.
func ParseDocument(path string, data []byte) (*Document, error) {
	d := &Document{Path: path, byKey: map[string]*Entry{}}
	text := string(data)
	d.trailingNewline = strings.HasSuffix(text, "\n")
	text = strings.TrimSuffix(text, "\n")
	if text != "" || d.trailingNewline {
		d.lines = strings.Split(text, "\n")
	}
	var block []string
	for i, line := range d.lines {
		trimmed := strings.TrimSpace(strings.TrimSuffix(line, "\r"))
		switch {
		case trimmed == "":
			block = nil
			continue
		case strings.HasPrefix(trimmed, "#"):
			c := strings.TrimPrefix(trimmed, "#")
			c = strings.TrimPrefix(c, " ")
			block = append(block, c)
			continue
		case strings.HasPrefix(trimmed, "["):
			return nil, &LineError{Path: path, Line: i + 1, Msg: fmt.Sprintf("%s: tables are not supported; write KEY = value lines only", trimmed)}
		}
		e, err := parseEntryLine(line)
		if err != nil {
			return nil, &LineError{Path: path, Line: i + 1, Msg: err.Error()}
		}
		e.Line = i + 1
		e.Comment = block
		block = nil
		if prev, dup := d.byKey[e.Key]; dup {
			return nil, &LineError{Path: path, Line: i + 1, Msg: fmt.Sprintf("%s is already set on line %d", e.Key, prev.Line)}
		}
		d.entries = append(d.entries, e)
		d.byKey[e.Key] = e
	}
	return d, nil
}

// LineError is a problem at one line of a file. Its text is the one line
// the tools print: "config: FILE:LINE: MESSAGE".
type LineError struct {
	Path string
	Line int
	Msg  string
}

func (e *LineError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("config: %s:%d: %s", DisplayPath(e.Path), e.Line, e.Msg)
	}
	return fmt.Sprintf("config: %s: %s", DisplayPath(e.Path), e.Msg)
}

func isKeyChar(c byte, first bool) bool {
	switch {
	case c == '_', c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
		return true
	case c >= '0' && c <= '9', c == '-':
		return !first
	}
	return false
}

// ValidKey reports whether s can be used as a key.
func ValidKey(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isKeyChar(s[i], i == 0) {
			return false
		}
	}
	return true
}

func parseEntryLine(line string) (*Entry, error) {
	eq := strings.IndexByte(line, '=')
	if eq < 0 {
		return nil, fmt.Errorf("\"%s\": expected KEY = value", clip(strings.TrimSpace(line)))
	}
	key := strings.TrimSpace(line[:eq])
	if !ValidKey(key) {
		return nil, fmt.Errorf("\"%s\": invalid key name (letters, digits and _ only)", clip(key))
	}
	i := eq + 1
	for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
		i++
	}
	n, err := scanValue(line[i:])
	if err != nil {
		return nil, fmt.Errorf("%s = %s: %v", key, clip(strings.TrimSpace(line[i:])), err)
	}
	rest := strings.TrimSpace(strings.TrimSuffix(line[i+n:], "\r"))
	if rest != "" && !strings.HasPrefix(rest, "#") {
		return nil, fmt.Errorf("%s = %s: unexpected \"%s\" after the value", key, clip(line[i:i+n]), clip(rest))
	}
	return &Entry{Key: key, Raw: line[i : i+n], valStart: i, valEnd: i + n}, nil
}

// scanValue returns the length of the value at the start of s: a quoted
// string, a one-line list in brackets, or a bare word.
func scanValue(s string) (int, error) {
	if s == "" || s[0] == '#' {
		return 0, fmt.Errorf("missing value")
	}
	switch s[0] {
	case '"':
		n, err := scanString(s)
		return n, err
	case '[':
		i := 1
		for i < len(s) {
			switch s[i] {
			case '"':
				n, err := scanString(s[i:])
				if err != nil {
					return 0, err
				}
				i += n
				continue
			case ']':
				return i + 1, nil
			case '#':
				return 0, fmt.Errorf("a list must end with ] on the same line")
			}
			i++
		}
		return 0, fmt.Errorf("a list must end with ] on the same line")
	}
	i := 0
	for i < len(s) && s[i] != ' ' && s[i] != '\t' && s[i] != '#' && s[i] != '\r' {
		i++
	}
	return i, nil
}

func scanString(s string) (int, error) {
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i + 1, nil
		}
	}
	return 0, fmt.Errorf("string without closing quote")
}

// Entries returns the entries in file order.
func (d *Document) Entries() []*Entry { return d.entries }

// Get returns the entry for key.
func (d *Document) Get(key string) (*Entry, bool) {
	e, ok := d.byKey[key]
	return e, ok
}

// Set replaces the value of key by raw (which must already be valid
// value text), keeping the rest of the line. A key the document does not
// have is appended at the end.
func (d *Document) Set(key, raw string) {
	if e, ok := d.byKey[key]; ok {
		line := d.lines[e.Line-1]
		d.lines[e.Line-1] = line[:e.valStart] + raw + line[e.valEnd:]
		e.valEnd = e.valStart + len(raw)
		e.Raw = raw
		return
	}
	if len(d.lines) > 0 && strings.TrimSpace(d.lines[len(d.lines)-1]) != "" {
		d.lines = append(d.lines, "")
	}
	line := key + " = " + raw
	d.lines = append(d.lines, line)
	d.trailingNewline = true
	e := &Entry{Key: key, Raw: raw, Line: len(d.lines), valStart: len(key) + 3, valEnd: len(line)}
	d.entries = append(d.entries, e)
	d.byKey[key] = e
}

// Bytes returns the document text.
func (d *Document) Bytes() []byte {
	var b bytes.Buffer
	for i, l := range d.lines {
		b.WriteString(l)
		if i < len(d.lines)-1 || d.trailingNewline {
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

// unquote decodes a quoted string value.
func unquote(raw string) (string, error) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", fmt.Errorf("not a quoted string")
	}
	s, err := strconv.Unquote(raw)
	if err != nil {
		return "", fmt.Errorf("bad escape in string")
	}
	return s, nil
}

// quote encodes s as a string value.
func quote(s string) string { return strconv.Quote(s) }

// parseList decodes a list of quoted strings: ["a", "b"].
func parseList(raw string) ([]string, error) {
	raw = strings.TrimSpace(raw)
	if len(raw) < 2 || raw[0] != '[' || raw[len(raw)-1] != ']' {
		return nil, fmt.Errorf("not a list")
	}
	s := strings.TrimSpace(raw[1 : len(raw)-1])
	out := []string{}
	for s != "" {
		if s[0] != '"' {
			return nil, fmt.Errorf("list entries must be quoted strings")
		}
		n, err := scanString(s)
		if err != nil {
			return nil, err
		}
		v, err := unquote(s[:n])
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		s = strings.TrimSpace(s[n:])
		if s == "" {
			break
		}
		if s[0] != ',' {
			return nil, fmt.Errorf("list entries must be separated by commas")
		}
		s = strings.TrimSpace(s[1:])
	}
	return out, nil
}

// formatList encodes a list of strings.
func formatList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = quote(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}
