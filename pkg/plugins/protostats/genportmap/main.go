// Command genportmap writes protoStats' portmap.txt, the descriptions of
// the TCP and UDP ports in PREFIX_protocols.txt, from two public sources:
//
//   - the IANA Service Name and Transport Protocol Port Number Registry,
//     as Wireshark ships it in services(5) format (Debian package
//     libwireshark-data, /usr/share/wireshark/services): the description
//     after "#" of the first entry of each (port, protocol);
//
//   - the protocols files T2 0.9.3 wrote for the shared captures
//     (testdata/t2-outputs/*/*_protocols.txt): T2's description of every
//     port they list replaces the registry's, and a port T2 lists with
//     no description gets none. T2's own table is an older edition of the
//     registry with edits of its own; these are the facts of it we have.
//
//     go run ./pkg/plugins/protostats/genportmap /usr/share/wireshark/services testdata/t2-outputs > pkg/plugins/protostats/portmap.txt
package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/t2go/t2go/pkg/plugins/internal/services"
)

type key struct {
	port  int
	proto string
}

type entry struct {
	name, desc string
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: genportmap SERVICES-FILE T2-OUTPUTS-DIR")
		os.Exit(2)
	}
	table, err := readServices(os.Args[1])
	if err == nil {
		err = applyT2(table, os.Args[2])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "genportmap:", err)
		os.Exit(1)
	}
	keys := make([]key, 0, len(table))
	for k := range table {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].port != keys[j].port {
			return keys[i].port < keys[j].port
		}
		return keys[i].proto < keys[j].proto
	})
	w := bufio.NewWriter(os.Stdout)
	fmt.Fprintln(w, "# Descriptions of TCP and UDP ports for protoStats: the IANA Service Name and")
	fmt.Fprintln(w, "# Transport Protocol Port Number Registry (public, as copied in Wireshark's")
	fmt.Fprintln(w, "# services file), with the descriptions T2 0.9.3 prints for the ports of the")
	fmt.Fprintln(w, "# shared captures. Made by genportmap (this folder); do not edit.")
	fmt.Fprintln(w, "# \"port<TAB>tcp|udp<TAB>service name<TAB>description\"")
	for _, k := range keys {
		e := table[k]
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\n", k.port, k.proto, e.name, e.desc)
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "genportmap:", err)
		os.Exit(1)
	}
}

// readServices keeps the registry's first entry of each (port, protocol);
// an entry without description is described by its service name.
func readServices(path string) (map[key]entry, error) {
	list, err := services.Read(path)
	if err != nil {
		return nil, err
	}
	table := make(map[key]entry, len(list))
	for _, e := range list {
		desc := e.Desc
		if desc == "" {
			desc = e.Name
		}
		table[key{e.Port, e.Proto}] = entry{e.Name, desc}
	}
	return table, nil
}

// applyT2 reads the port sections of T2's protocols files: "# TCP Port"
// or "# UDP Port" starts one, a "#" line or an empty line ends it, and its
// rows are "port<TAB>packets<TAB>bytes<TAB>description".
func applyT2(table map[key]entry, dir string) error {
	files, err := filepath.Glob(filepath.Join(dir, "*", "*_protocols.txt"))
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("no */*_protocols.txt under %s", dir)
	}
	seen := map[key]string{}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		proto := ""
		for _, l := range strings.Split(string(data), "\n") {
			switch {
			case strings.HasPrefix(l, "# TCP Port\t"):
				proto = "tcp"
				continue
			case strings.HasPrefix(l, "# UDP Port\t"):
				proto = "udp"
				continue
			case l == "" || strings.HasPrefix(l, "#"):
				proto = ""
				continue
			case proto == "":
				continue
			}
			f := strings.Split(l, "\t")
			port, err := strconv.Atoi(strings.TrimSpace(f[0]))
			if err != nil || port < 0 || port > 65535 || len(f) != 4 {
				return fmt.Errorf("%s: bad port row %q", file, l)
			}
			k, desc := key{port, proto}, f[3]
			if old, ok := seen[k]; ok && old != desc {
				return fmt.Errorf("%s: %d/%s is %q here, %q elsewhere", file, port, proto, desc, old)
			}
			seen[k] = desc
			if desc == "" {
				delete(table, k)
				continue
			}
			e := table[k]
			if e.name == "" {
				e.name = "-"
			}
			e.desc = desc
			table[k] = e
		}
	}
	return nil
}
