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

	"github.com/t2go/t2go/pkg/plugins/internal/services"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: genportmap SERVICES-FILE")
		os.Exit(2)
	}
	out, err := services.Read(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "genportmap:", err)
		os.Exit(1)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Port != out[j].Port {
			return out[i].Port < out[j].Port
		}
		return out[i].Proto < out[j].Proto
	})
	w := bufio.NewWriter(os.Stdout)
	fmt.Fprintln(w, "# Service names of TCP and UDP ports for portClassifier, from the IANA Service")
	fmt.Fprintln(w, "# Name and Transport Protocol Port Number Registry (public), as copied in")
	fmt.Fprintln(w, "# Wireshark's services file. Made by genportmap (this folder); do not edit.")
	fmt.Fprintln(w, "# \"port<TAB>tcp|udp<TAB>service name<TAB>description\"")
	for _, e := range out {
		d := e.Desc
		if d == "" {
			d = e.Name
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\n", e.Port, e.Proto, e.Name, d)
	}
	w.Flush()
}
