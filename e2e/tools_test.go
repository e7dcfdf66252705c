package e2e

import (
	"path/filepath"
	"strings"
	"testing"
)

// t2build -p DIR NAME... on a new folder writes exactly that set, and
// t2 -p DIR runs only it (it used to run every plugin: no plugins.txt
// was written). A -p folder that does not exist is an error.
func TestBuildIntoNewPluginFolder(t *testing.T) {
	e := newEnv(t)
	dir := filepath.Join(e.out, "plugins")
	r := e.mustRun("t2build", "-p", dir, "tranalyzer2", "basicFlow", "txtSink")
	if !strings.Contains(r.stdout, "BUILDING SUCCESSFUL") {
		t.Errorf("t2build: %s", r.stdout)
	}
	r = e.mustRun("t2", "-r", testdata("pcaps", "ntp-sparse.pcap"), "-w", e.out+"/", "-p", dir)
	if !strings.Contains(r.stdout, "    01: basicFlow, 0.9.3\n    02: txtSink, 0.9.3\n") || strings.Contains(r.stdout, "    03: ") {
		t.Errorf("t2 -p %s ran other plugins:\n%s", dir, r.stdout)
	}
	missing := filepath.Join(e.out, "nonexistent")
	r = e.run("t2", "-r", testdata("pcaps", "ntp-sparse.pcap"), "-w", e.out+"/", "-p", missing)
	if r.code != 1 || !strings.Contains(r.stderr, "[ERR] Plugin folder '"+missing+"' does not exist") {
		t.Errorf("t2 -p %s: exit %d, %q", missing, r.code, r.stderr)
	}
}
