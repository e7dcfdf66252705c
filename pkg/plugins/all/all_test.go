package all

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"github.com/t2go/t2go/pkg/config"
	"github.com/t2go/t2go/pkg/plugin"
	"github.com/t2go/t2go/pkg/plugins"
)

// TestDescriptorsMatchCatalogue checks every registered plugin against
// the catalogue the tools read: the same default file, hence the same
// name and number, and a file the config package accepts.
func TestDescriptorsMatchCatalogue(t *testing.T) {
	registered := plugin.All()
	if len(registered) == 0 {
		t.Fatal("no plugin registered")
	}
	for _, d := range registered {
		info, ok := plugins.Lookup(d.Name)
		if !ok {
			t.Errorf("%s is registered but not in the catalogue pkg/plugins", d.Name)
			continue
		}
		if info.Number != d.Number || !bytes.Equal(info.Defaults, d.Defaults) {
			t.Errorf("%s: descriptor (number %d) differs from %s (number %d)", d.Name, d.Number, info.File, info.Number)
		}
		comp, err := config.ParsePluginDefaults(info.File, d.Defaults)
		if err != nil {
			t.Errorf("%s: %v", d.Name, err)
			continue
		}
		if comp.Name != d.Name || comp.Number != d.Number || len(comp.Keys()) == 0 {
			t.Errorf("%s: config reads it as %s %d with %d keys", d.Name, comp.Name, comp.Number, len(comp.Keys()))
		}
		if d.Version == "" {
			t.Errorf("%s: no version", d.Name)
		}
	}
	for _, info := range plugins.All() {
		if _, ok := plugin.Lookup(info.Name); !ok {
			t.Errorf("%s (%s) is in the catalogue but not linked by pkg/plugins/all", info.Name, info.File)
		}
	}
}

// TestLayering checks the import rules of docs/architecture.md: plugins
// reach their settings only through plugin.Env, and the tools that need
// no packets link none of the packet path.
func TestLayering(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}}: {{join .Imports \" \"}}", "github.com/t2go/t2go/pkg/plugins/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		for _, banned := range []string{"github.com/t2go/t2go/pkg/config", "github.com/t2go/t2go/configs"} {
			for _, imp := range strings.Fields(line)[1:] {
				if imp == banned {
					t.Errorf("%s imports %s", strings.Fields(line)[0], banned)
				}
			}
		}
	}
	packetPath := []string{"pkg/plugin", "pkg/packet", "pkg/flow", "pkg/decode", "pkg/analyzer", "pkg/capture"}
	for _, cmd := range []string{"t2stat", "t2conf", "t2build", "t2rrd"} {
		out, err := exec.Command("go", "list", "-deps", "github.com/t2go/t2go/cmd/"+cmd).CombinedOutput()
		if err != nil {
			t.Fatalf("go list %s: %v\n%s", cmd, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, p := range packetPath {
				if dep == "github.com/t2go/t2go/"+p || strings.HasPrefix(dep, "github.com/t2go/t2go/pkg/plugins/") {
					t.Errorf("%s links %s", cmd, dep)
				}
			}
		}
	}
}
