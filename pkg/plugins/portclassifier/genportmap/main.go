// Command genportmap writes portClassifier's portmap.txt from a
// services(5)-style copy of the IANA Service Name and Transport Protocol
// Port Number Registry, as Wireshark ships it (Debian package
// libwireshark-data, /usr/share/wireshark/services). The registry is
// public; Wireshark's copy is used with IANA's permission, as its header
// says.
//
//	go run ./pkg/plugins/portclassifier/genportmap /usr/share/wireshark/services > pkg/plugins/portclassifier/portmap.txt
//
// Each (port, protocol) keeps the first name the registry lists; ranges
// ("6000-6063/tcp") give every port of the range the same name. Only tcp
// and udp entries are kept: portClassifier looks SCTP up as tcp and
// UDP-Lite as udp, as T2 does.
package main

import (
	"bufio"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
)

type entry struct {
	port        int
	proto, name string
	desc        string
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: genportmap SERVICES-FILE")
		os.Exit(2)
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "genportmap:", err)
		os.Exit(1)
	}
	defer f.Close()
	seen := map[string]bool{}
	var out []entry
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
		for _, proto := range parts[1:] {
			if proto != "tcp" && proto != "udp" {
				continue
			}
			for p := a; p <= b; p++ {
				key := proto + strconv.Itoa(p)
				if seen[key] {
					continue
				}
				seen[key] = true
				out = append(out, entry{p, proto, fields[0], strings.TrimSpace(desc)})
			}
		}
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "genportmap:", err)
		os.Exit(1)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].port != out[j].port {
			return out[i].port < out[j].port
		}
		return out[i].proto < out[j].proto
	})
	w := bufio.NewWriter(os.Stdout)
	fmt.Fprintln(w, "# Service names of TCP and UDP ports for portClassifier, from the IANA Service")
	fmt.Fprintln(w, "# Name and Transport Protocol Port Number Registry (public), as copied in")
	fmt.Fprintln(w, "# Wireshark's services file. Made by genportmap (this folder); do not edit.")
	fmt.Fprintln(w, "# \"port<TAB>tcp|udp<TAB>service name<TAB>description\"")
	for _, e := range out {
		d := e.desc
		if d == "" {
			d = e.name
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\n", e.port, e.proto, e.name, d)
	}
	w.Flush()
}
