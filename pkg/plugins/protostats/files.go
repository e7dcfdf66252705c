package protostats

import (
	"bytes"
	"strconv"
	"strings"
)

// lines calls fn for every non-empty line that is not a "#" comment,
// with the line split at TABs.
func lines(data []byte, fn func(fields []string)) {
	for _, l := range bytes.Split(data, []byte("\n")) {
		s := strings.TrimRight(string(l), "\r")
		if strings.TrimSpace(s) == "" || strings.HasPrefix(s, "#") {
			continue
		}
		fn(strings.Split(s, "\t"))
	}
}

func parseHex16(s string) (uint16, bool) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "0x") && !strings.HasPrefix(s, "0X") {
		return 0, false
	}
	v, err := strconv.ParseUint(s[2:], 16, 16)
	return uint16(v), err == nil
}

// parseEthertypes reads "0xNNNN<TAB>desc" and "0xAAAA-0xBBBB<TAB>desc"
// lines; malformed lines are skipped.
func parseEthertypes(data []byte) (map[uint16]string, []ethRange) {
	m := map[uint16]string{}
	var ranges []ethRange
	lines(data, func(f []string) {
		if len(f) < 2 {
			return
		}
		desc := strings.TrimSpace(f[1])
		if lo, hi, ok := strings.Cut(f[0], "-"); ok {
			l, ok1 := parseHex16(lo)
			h, ok2 := parseHex16(hi)
			if ok1 && ok2 && l <= h {
				ranges = append(ranges, ethRange{l, h, desc})
			}
			return
		}
		if e, ok := parseHex16(f[0]); ok {
			m[e] = desc
		}
	})
	return m, ranges
}

// parsePortmap reads "port<TAB>tcp|udp<TAB>name<TAB>description" lines;
// the first description of a port wins.
func parsePortmap(data []byte) (tcp, udp map[uint16]string) {
	tcp, udp = map[uint16]string{}, map[uint16]string{}
	lines(data, func(f []string) {
		if len(f) < 4 {
			return
		}
		port, err := strconv.ParseUint(strings.TrimSpace(f[0]), 10, 16)
		if err != nil {
			return
		}
		var m map[uint16]string
		switch strings.ToLower(strings.TrimSpace(f[1])) {
		case "tcp":
			m = tcp
		case "udp":
			m = udp
		default:
			return
		}
		if _, dup := m[uint16(port)]; !dup {
			m[uint16(port)] = strings.TrimSpace(f[3])
		}
	})
	return tcp, udp
}
