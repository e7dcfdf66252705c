package httpsniffer

import "bytes"

// Request methods (httpMethods bits) in the order T2 numbers them.
var methods = [...]struct {
	name string
	bit  uint8
}{
	{"OPTIONS", 0x01}, {"GET", 0x02}, {"HEAD", 0x04}, {"POST", 0x08},
	{"PUT", 0x10}, {"DELETE", 0x20}, {"TRACE", 0x40}, {"CONNECT", 0x80},
}

const (
	methodGET  = 0x02
	methodPOST = 0x08
)

// requestMethod returns the method bit of a payload that starts with one
// of the known methods and a space, and the offset of the request target.
func requestMethod(b []byte) (bit uint8, target int) {
	if len(b) < 4 || b[0] < 'C' || b[0] > 'T' {
		return 0, 0
	}
	for _, m := range methods {
		n := len(m.name)
		if len(b) > n && b[n] == ' ' && string(b[:n]) == m.name {
			return m.bit, n + 1
		}
	}
	return 0, 0
}

// statusCode parses "HTTP/1.x NNN" or "SIP/2.0 NNN" at the start of b.
// http10 is set for an HTTP/1.0 status line.
func statusCode(b []byte) (code uint16, http10, ok bool) {
	var rest []byte
	switch {
	case len(b) >= 12 && string(b[:7]) == "HTTP/1." && b[8] == ' ':
		rest, http10 = b[9:], b[7] == '0'
	case len(b) >= 11 && string(b[:8]) == "SIP/2.0 ":
		rest = b[8:]
	default:
		return 0, false, false
	}
	for _, c := range rest[:3] {
		if c < '0' || c > '9' {
			return 0, false, false
		}
		code = code*10 + uint16(c-'0')
	}
	return code, http10, true
}

// startsMessage reports whether payload b begins an HTTP or SIP message:
// a known request method, a status line, or a first line that ends in
// an HTTP/1.x or SIP/2.0 version (SIP's INVITE, ACK, BYE, ...).
func startsMessage(b []byte) bool {
	if bit, _ := requestMethod(b); bit != 0 {
		return true
	}
	if _, _, ok := statusCode(b); ok {
		return true
	}
	line := b
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		line = b[:i]
	}
	line = bytes.TrimSuffix(line, []byte{'\r'})
	n := len(line)
	return n >= 9 && string(line[n-9:n-1]) == " HTTP/1." || n >= 8 && string(line[n-8:]) == " SIP/2.0"
}

// Header names httpSniffer reads (lower case, with the colon).
const (
	hdrOther = iota
	hdrHost
	hdrContentType
	hdrCookie
	hdrUserAgent
	hdrXForwardedFor
	hdrReferer
	hdrVia
	hdrLocation
	hdrServer
	hdrPoweredBy
	hdrDisposition
	hdrTransferEnc
	hdrXSS
	hdrCSP
	hdrDNT
)

var headerNames = [...]struct {
	name string
	id   int
}{
	{"host:", hdrHost},
	{"content-type:", hdrContentType},
	{"cookie:", hdrCookie},
	{"user-agent:", hdrUserAgent},
	{"x-forwarded-for:", hdrXForwardedFor},
	{"referer:", hdrReferer},
	{"via:", hdrVia},
	{"location:", hdrLocation},
	{"server:", hdrServer},
	{"x-powered-by:", hdrPoweredBy},
	{"content-disposition:", hdrDisposition},
	{"transfer-encoding:", hdrTransferEnc},
	{"x-xss-protection:", hdrXSS},
	{"content-security-policy:", hdrCSP},
	{"dnt:", hdrDNT},
}

// headerLine classifies one header line and returns its value: the text
// after the colon and any spaces (up to the end of the line, which the
// caller has already cut at CR LF).
func headerLine(line []byte) (id int, value []byte) {
	if len(line) < 4 {
		return hdrOther, nil
	}
	switch lower(line[0]) {
	case 'c', 'd', 'h', 'l', 'r', 's', 't', 'u', 'v', 'x':
	default:
		return hdrOther, nil
	}
	for _, h := range headerNames {
		n := len(h.name)
		if len(line) >= n && lower(line[0]) == h.name[0] && equalFold(line[:n], h.name) {
			v := line[n:]
			for len(v) > 0 && v[0] == ' ' {
				v = v[1:]
			}
			return h.id, v
		}
	}
	return hdrOther, nil
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// equalFold compares b with the lower-case ASCII text s, ignoring case.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		if lower(b[i]) != s[i] {
			return false
		}
	}
	return true
}

// hasPrefixFold reports whether b starts with the lower-case text s.
func hasPrefixFold(b []byte, s string) bool {
	return len(b) >= len(s) && equalFold(b[:len(s)], s)
}

// indexFold returns the first position of the lower-case text s in b,
// ignoring case, or -1.
func indexFold(b []byte, s string) int {
	if len(s) == 0 {
		return 0
	}
	c0, c1 := s[0], s[0]
	if c0 >= 'a' && c0 <= 'z' {
		c1 = c0 - 'a' + 'A'
	}
	for i := 0; i+len(s) <= len(b); {
		j := bytes.IndexByte(b[i:], c0)
		if c1 != c0 {
			if k := bytes.IndexByte(b[i:], c1); k >= 0 && (j < 0 || k < j) {
				j = k
			}
		}
		if j < 0 {
			return -1
		}
		i += j
		if i+len(s) > len(b) {
			return -1
		}
		if equalFold(b[i:i+len(s)], s) {
			return i
		}
		i++
	}
	return -1
}

// Content-Type classes: bits of httpHeadMimes and, for the first six,
// the index of the file-name list and class counter (other = classOther).
const (
	classImage = iota
	classVideo
	classAudio
	classMessage
	classText
	classAppl
	classOther
	numClasses
)

var mimeClasses = [...]struct {
	prefix string
	bit    uint16
	class  int
}{
	{"application", 0x0001, classAppl},
	{"audio", 0x0002, classAudio},
	{"image", 0x0004, classImage},
	{"message", 0x0008, classMessage},
	{"model", 0x0010, classOther},
	{"multipart", 0x0020, classOther},
	{"text", 0x0040, classText},
	{"video", 0x0080, classVideo},
	{"vnd", 0x0100, classOther},
	{"x-pkcs", 0x0400, classOther},
	{"x", 0x0200, classOther},
}

// mimeClass returns the httpHeadMimes bit and class of a Content-Type
// value by the prefix of its type.
func mimeClass(v []byte) (bit uint16, class int) {
	for _, m := range mimeClasses {
		if hasPrefixFold(v, m.prefix) {
			return m.bit, m.class
		}
	}
	return 0x8000, classOther
}

// isIPv4 reports whether v is exactly a dotted-quad IPv4 address.
func isIPv4(v []byte) bool {
	parts, digits, val := 0, 0, 0
	for _, c := range v {
		switch {
		case c >= '0' && c <= '9':
			digits++
			val = val*10 + int(c-'0')
			if digits > 3 || val > 255 {
				return false
			}
		case c == '.':
			if digits == 0 {
				return false
			}
			parts++
			digits, val = 0, 0
		default:
			return false
		}
	}
	return parts == 3 && digits > 0
}

// dispositionName returns the filename= parameter of a
// Content-Disposition value, without quotes.
func dispositionName(v []byte) []byte {
	i := indexFold(v, "filename=")
	if i < 0 {
		return nil
	}
	n := v[i+len("filename="):]
	if len(n) > 0 && n[0] == '"' {
		n = n[1:]
		if j := bytes.IndexByte(n, '"'); j >= 0 {
			n = n[:j]
		}
		return n
	}
	if j := bytes.IndexAny(n, "; "); j >= 0 {
		n = n[:j]
	}
	return n
}

// refreshURL finds a meta refresh ("Refresh" ... URL=...) in a text body
// and returns its URL.
func refreshURL(b []byte) ([]byte, bool) {
	i := indexFold(b, "\"refresh\"")
	if i < 0 {
		return nil, false
	}
	rest := b[i+len("\"refresh\""):]
	if end := bytes.IndexByte(rest, '>'); end >= 0 {
		rest = rest[:end]
	}
	j := indexFold(rest, "url=")
	if j < 0 {
		return nil, false
	}
	u := rest[j+len("url="):]
	if len(u) > 0 && (u[0] == '\'' || u[0] == '"') {
		u = u[1:]
	}
	if k := bytes.IndexAny(u, "\"'>"); k >= 0 {
		u = u[:k]
	}
	return u, true
}
