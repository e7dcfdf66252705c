// Package services reads a services(5)-style copy of the IANA Service
// Name and Transport Protocol Port Number Registry (as Wireshark ships it
// in /usr/share/wireshark/services) for the generators of the plugins'
// port tables.
package services

import (
	"bufio"
	"os"
	"strconv"
	"strings"
)

// Entry is one TCP or UDP port of the registry: its service name and the
// description after "#" (trimmed; may be empty).
type Entry struct {
	Port        int
	Proto, Name string
	Desc        string
}

// Read returns the first entry the file lists for each (port, tcp|udp),
// in file order; a range ("6000-6063/tcp") gives every port of it the
// same entry. Lines that are not "name port[-port]/proto..." are skipped.
func Read(path string) ([]Entry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	type key struct {
		port  int
		proto string
	}
	seen := map[key]bool{}
	var out []Entry
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, desc, _ := strings.Cut(sc.Text(), "#")
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		parts := strings.Split(fields[1], "/")
		lo, hi, isRange := strings.Cut(parts[0], "-")
		a, err1 := strconv.Atoi(lo)
		b := a
		var err2 error
		if isRange {
			b, err2 = strconv.Atoi(hi)
		}
		if err1 != nil || err2 != nil || a < 0 || b > 65535 || a > b {
			continue
		}
		desc = strings.TrimSpace(desc)
		for _, proto := range parts[1:] {
			if proto != "tcp" && proto != "udp" {
				continue
			}
			for p := a; p <= b; p++ {
				if k := (key{p, proto}); !seen[k] {
					seen[k] = true
					out = append(out, Entry{p, proto, fields[0], desc})
				}
			}
		}
	}
	return out, sc.Err()
}
