package e2e

import (
	"os/exec"
	"sort"
	"strings"
	"testing"
)

// The import rules of docs/architecture.md, checked on what `go list`
// reports for the whole module.

const mod = "github.com/t2go/t2go/"

// goList runs go list with a template over patterns and returns one
// entry per package: import path -> the space-separated list.
func goList(t *testing.T, deps bool, field string, patterns ...string) map[string][]string {
	t.Helper()
	args := []string{"list"}
	if deps {
		args = append(args, "-deps")
	}
	args = append(args, "-f", "{{.ImportPath}}|{{join ."+field+" \" \"}}")
	args = append(args, patterns...)
	cmd := exec.Command("go", args...)
	cmd.Dir = repoRoot()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go %v: %v", args, err)
	}
	m := map[string][]string{}
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		path, list, _ := strings.Cut(l, "|")
		m[path] = strings.Fields(list)
	}
	return m
}

// ours keeps the module's own packages of list, without the prefix.
func ours(list []string) []string {
	var r []string
	for _, p := range list {
		if strings.HasPrefix(p, mod) {
			r = append(r, strings.TrimPrefix(p, mod))
		}
	}
	sort.Strings(r)
	return r
}

// transitive returns the module packages pattern links (itself included).
func transitive(t *testing.T, pattern string) []string {
	t.Helper()
	var r []string
	for p := range goList(t, true, "Imports", pattern) {
		if strings.HasPrefix(p, mod) {
			r = append(r, strings.TrimPrefix(p, mod))
		}
	}
	sort.Strings(r)
	return r
}

func TestImportRules(t *testing.T) {
	direct := goList(t, false, "Imports", "./...")

	// The engine (packet path) imports only the packet-path packages and
	// leaves: no reports, signals, configuration or output streams.
	engineMay := map[string]bool{
		"pkg/capture": true, "pkg/decode": true, "pkg/flow": true, "pkg/plugin": true,
		"pkg/record": true, "pkg/counters": true, "pkg/packet": true, "pkg/prefetch": true,
		"pkg/ipproto": true,
	}
	for _, p := range ours(direct[mod+"pkg/engine"]) {
		if !engineMay[p] {
			t.Errorf("pkg/engine imports %s (allowed: capture, decode, flow, plugin, record, counters and the leaves packet, prefetch, ipproto)", p)
		}
	}
	for _, p := range transitive(t, "./pkg/engine") {
		switch p {
		case "pkg/config", "configs", "pkg/iostreams", "pkg/control", "pkg/t2cmd":
			t.Errorf("pkg/engine links %s", p)
		}
	}
	// Only the run control and the command drive the engine.
	for path, imps := range direct {
		for _, p := range ours(imps) {
			if p == "pkg/engine" && path != mod+"pkg/control" && !strings.HasSuffix(path, ".test") {
				t.Errorf("%s imports pkg/engine (only pkg/control drives it)", strings.TrimPrefix(path, mod))
			}
		}
	}

	// Plugins get their settings through plugin.Env, never from the
	// configuration packages.
	plugins := goList(t, false, "Imports", "./pkg/plugins/...")
	var names []string
	for path := range plugins {
		names = append(names, path)
	}
	sort.Strings(names)
	for _, path := range names {
		if strings.HasSuffix(path, "/all") {
			continue // the list of compiled-in plugins only
		}
		for _, p := range transitive(t, path) {
			if p == "pkg/config" || p == "configs" {
				t.Errorf("%s links %s", strings.TrimPrefix(path, mod), p)
			}
		}
	}

	// The tools link nothing of the packet path.
	packetPath := map[string]bool{
		"pkg/engine": true, "pkg/control": true, "pkg/capture": true, "pkg/decode": true,
		"pkg/flow": true, "pkg/plugin": true, "pkg/packet": true, "pkg/record": true,
		"pkg/prefetch": true, "pkg/counters": true,
	}
	for _, tool := range []string{"t2stat", "t2conf", "t2build", "t2rrd"} {
		for _, p := range transitive(t, "./cmd/"+tool) {
			// pkg/plugins itself is the catalogue of the plugins'
			// default files (no code), which t2conf and t2build edit.
			if packetPath[p] || strings.HasPrefix(p, "pkg/plugins/") {
				t.Errorf("cmd/%s links %s", tool, p)
			}
		}
		deps := goList(t, true, "Imports", "./cmd/"+tool)
		for p := range deps {
			if strings.HasPrefix(p, "github.com/google/gopacket") {
				t.Errorf("cmd/%s links %s", tool, p)
			}
		}
	}
}
