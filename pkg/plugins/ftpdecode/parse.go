package ftpdecode

import (
	"bytes"
	"net/netip"
)

// commandNames lists the FTP commands ftpDecode recognises, in T2's
// order (the order of its command bit-field).
var commandNames = [...]string{
	"ABOR", "ACCT", "ADAT", "ALLO", "APPE", "AUTH", "CCC", "CDUP", "CONF", "CWD",
	"DELE", "ENC", "EPRT", "EPSV", "FEAT", "HELP", "LANG", "LIST", "LPRT", "LPSV",
	"MDTM", "MIC", "MKD", "MLSD", "MLST", "MODE", "NLST", "NOOP", "OPTS", "PASS",
	"PASV", "PBSZ", "PORT", "PROT", "PWD", "QUIT", "REIN", "REST", "RETR", "RMD",
	"RNFR", "RNTO", "SITE", "SIZE", "SMNT", "STAT", "STOR", "STOU", "STRU", "SYST",
	"TYPE", "USER", "XCUP", "XMKD", "XPWD", "XRCP", "XRMD", "XRSQ", "XSEM", "XSEN",
	"CLNT",
}

// Indices of the commands the parser acts on.
var (
	cmdUSER = commandIndex("USER")
	cmdPASS = commandIndex("PASS")
	cmdPORT = commandIndex("PORT")
	cmdEPRT = commandIndex("EPRT")
)

// paramCommands are the commands whose argument goes to ftpCP.
var paramCommands = func() (m [len(commandNames)]bool) {
	for _, c := range []string{"CWD", "DELE", "FEAT", "PORT", "PWD", "RETR", "RMD", "RNFR", "RNTO", "SIZE", "STOR", "TYPE"} {
		m[commandIndex(c)] = true
	}
	return m
}()

// commandKeys maps the first four payload bytes to a command index. A
// three-letter command is keyed with its trailing space, so it is only
// recognised when an argument follows ("PWD\r\n" is not, "PWD /x" is):
// T2 0.9.3 compares four bytes the same way, and we keep its behaviour.
var commandKeys = func() map[[4]byte]uint8 {
	m := make(map[[4]byte]uint8, len(commandNames))
	for i, n := range commandNames {
		var k [4]byte
		copy(k[:], n+"    ")
		m[k] = uint8(i)
	}
	return m
}()

func commandIndex(name string) uint8 {
	for i, n := range commandNames {
		if n == name {
			return uint8(i)
		}
	}
	panic("ftpdecode: unknown command " + name) // table error, caught by every test
}

// parseCommand recognises the command at the start of a payload of at
// least 4 bytes. The bytes are upper-cased only when the first one is a
// lower-case letter.
func parseCommand(payload []byte) (uint8, bool) {
	var k [4]byte
	copy(k[:], payload)
	if k[0] >= 'a' && k[0] <= 'z' {
		for i, c := range k {
			if c >= 'a' && c <= 'z' {
				k[i] = c - 'a' + 'A'
			}
		}
	}
	idx, ok := commandKeys[k]
	return idx, ok
}

// firstLine returns the payload up to the first CR or LF.
// (A plain loop: bytes.IndexAny builds its byte set on every call, and
// this runs for every control packet.)
func firstLine(payload []byte) []byte {
	for i, c := range payload {
		if c == '\r' || c == '\n' {
			return payload[:i]
		}
	}
	return payload
}

// argument returns the text after the command word and its spaces on the
// first line.
func argument(payload []byte, cmd uint8) []byte {
	line := firstLine(payload)
	n := len(commandNames[cmd])
	if len(line) <= n {
		return nil
	}
	return bytes.TrimLeft(line[n:], " ")
}

// replyCode returns the number in the first three bytes of a reply.
func replyCode(payload []byte) (uint16, bool) {
	if len(payload) < 3 {
		return 0, false
	}
	var v uint16
	for _, c := range payload[:3] {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + uint16(c-'0')
	}
	return v, true
}

// parseUint reads decimal digits at the start of b; ok is false when
// there are none or the value exceeds max.
func parseUint(b []byte, max uint64) (v uint64, n int, ok bool) {
	for n < len(b) && b[n] >= '0' && b[n] <= '9' {
		v = v*10 + uint64(b[n]-'0')
		if v > max {
			return 0, n, false
		}
		n++
	}
	return v, n, n > 0
}

// parseHostPort reads "h1,h2,h3,h4,p1,p2" (RFC 959, PORT and 227) from
// the first digit in text.
func parseHostPort(text []byte) (ip [4]byte, port uint16, ok bool) {
	i := 0
	for i < len(text) && (text[i] < '0' || text[i] > '9') {
		i++
	}
	var v [6]uint64
	for k := 0; k < 6; k++ {
		if k > 0 {
			for i < len(text) && text[i] == ' ' {
				i++
			}
			if i >= len(text) || text[i] != ',' {
				return ip, 0, false
			}
			i++
			for i < len(text) && text[i] == ' ' {
				i++
			}
		}
		x, n, good := parseUint(text[i:], 255)
		if !good {
			return ip, 0, false
		}
		v[k] = x
		i += n
	}
	ip = [4]byte{byte(v[0]), byte(v[1]), byte(v[2]), byte(v[3])}
	return ip, uint16(v[4]<<8 | v[5]), true
}

// parseEPSV reads the port of a 229 reply: "(|||6446|)" (RFC 2428; the
// delimiter may be any character).
func parseEPSV(text []byte) (uint16, bool) {
	i := bytes.IndexByte(text, '(')
	if i < 0 {
		return 0, false
	}
	rest := text[i+1:]
	if len(rest) < 5 || rest[1] != rest[0] || rest[2] != rest[0] {
		return 0, false
	}
	v, n, ok := parseUint(rest[3:], 65535)
	if !ok || 3+n >= len(rest) || rest[3+n] != rest[0] {
		return 0, false
	}
	return uint16(v), true
}

// parseEPRT reads "|af|address|port|" (RFC 2428).
func parseEPRT(arg []byte) (addr netip.Addr, port uint16, ok bool) {
	if len(arg) < 7 {
		return addr, 0, false
	}
	d := arg[0]
	parts := bytes.SplitN(arg[1:], []byte{d}, 4)
	if len(parts) < 4 {
		return addr, 0, false
	}
	a, err := netip.ParseAddr(string(parts[1]))
	if err != nil {
		return addr, 0, false
	}
	p, n, good := parseUint(parts[2], 65535)
	if !good || n != len(parts[2]) {
		return addr, 0, false
	}
	return a, uint16(p), true
}

// transferLength finds "(N bytes)" in a 150/125 reply.
func transferLength(line []byte) (uint64, bool) {
	i := bytes.LastIndexByte(line, '(')
	if i < 0 {
		return 0, false
	}
	v, n, ok := parseUint(line[i+1:], 0xffffffff)
	if !ok || !bytes.HasPrefix(line[i+1+n:], []byte(" bytes)")) {
		return 0, false
	}
	return v, true
}

// fileName finds the file name of a 150/125 reply:
// "... for NAME (N bytes)." or "... for NAME."
func fileName(line []byte) []byte {
	i := bytes.Index(line, []byte(" for "))
	if i < 0 {
		return nil
	}
	name := line[i+5:]
	if j := bytes.LastIndex(name, []byte(" (")); j >= 0 {
		name = name[:j]
	}
	name = bytes.TrimRight(name, ". ")
	return name
}

// sizeReply reads the number of a 213 reply ("213 1234"); status texts
// and MDTM timestamps (more than 10 digits) are not lengths.
func sizeReply(line []byte) (uint64, bool) {
	if len(line) < 5 || line[3] != ' ' {
		return 0, false
	}
	v, n, ok := parseUint(line[4:], 0xffffffff)
	if !ok || n != len(bytes.TrimRight(line[4:], " ")) {
		return 0, false
	}
	return v, true
}
