package config

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/fstest"
	"time"

	"github.com/t2go/t2go/configs"
)

func emptyHome(t *testing.T) Options {
	t.Helper()
	return Options{Home: t.TempDir()}
}

func TestCoreDefaults(t *testing.T) {
	c, err := Load(emptyHome(t))
	if err != nil {
		t.Fatal(err)
	}
	ints := map[string]int64{
		"PLUGIN_REPORT": 1, "DIFF_REPORT": 0, "MACHINE_REPORT": 0, "VERBOSE": 2,
		"MONINTTHRD": 1, "MONINTBLK": 0, "MONINTPSYNC": 1, "MONINTTMPCP": 0,
		"MONINTTMPCP_ON": 0, "MONPROTMD": 1, "MONGAPFILL": 0, "PROGRESS": 1,
		"T2_SENSORID": 666, "HASHCHAINTABLE_BASE_SIZE": 262144, "HASH_AUTOPILOT": 1,
		"NUMFLWRM": 1, "FDURLIMIT": 0, "ETH_ACTIVATE": 1, "IPV6_ACTIVATE": 2,
		"SCTP_ACTIVATE": 0, "PACKETLENGTH": 3, "T2_PRI_HDRDESC": 1, "T2_HDRDESC_AGGR": 1,
		"SPKTMD_PKTNO": 1, "SPKTMD_PCNTC": 1, "SPKTMD_PCNTH": 0, "SNAPLEN": 65535,
		"RXBUFSIZE": 33554432, "WORKERS": 1, "POLLTM": 5, "MFPTMOUT": 0, "RROP": 0, "MIN_MAX_ESTIMATE": 0,
	}
	for k, want := range ints {
		if got := c.Int(Core, k); got != want {
			t.Errorf("%s = %d, want %d", k, got, want)
		}
	}
	floats := map[string]float64{"MONINTV": 1.0, "FLOW_TIMEOUT": 182.0}
	for k, want := range floats {
		if got := c.Float(Core, k); got != want {
			t.Errorf("%s = %v, want %v", k, got, want)
		}
	}
	if got := c.String(Core, "MONPROTFL"); got != "proto.txt" {
		t.Errorf("MONPROTFL = %q", got)
	}
	if got := strings.Join(c.Strings(Core, "MONPROTL2"), ","); got != "ETHERTYPE_ARP,ETHERTYPE_RARP" {
		t.Errorf("MONPROTL2 = %s", got)
	}
	if got := strings.Join(c.Strings(Core, "MONPROTL3"), ","); got != "L3_TCP,L3_UDP,L3_ICMP,L3_ICMP6,L3_SCTP" {
		t.Errorf("MONPROTL3 = %s", got)
	}
	if !c.Bool(Core, "PLUGIN_REPORT") || c.Bool(Core, "DIFF_REPORT") {
		t.Error("Bool")
	}
	// Allowed ranges the analyzer relies on.
	comp, _ := c.Component(Core)
	ranges := []struct {
		key      string
		min, max float64
	}{{"MONINTV", 0.001, 86400}, {"VERBOSE", 0, 3}, {"ETH_ACTIVATE", 0, 2}, {"IPV6_ACTIVATE", 0, 2}, {"PACKETLENGTH", 0, 3}}
	for _, r := range ranges {
		s, _ := comp.Spec(r.key)
		lo, hi := s.Min, s.Max
		if len(s.Choices) > 0 {
			lo, hi = float64(s.Choices[0].Value), float64(s.Choices[len(s.Choices)-1].Value)
		}
		if lo != r.min || hi != r.max {
			t.Errorf("%s allows [%v - %v], want [%v - %v]", r.key, lo, hi, r.min, r.max)
		}
	}
}

// Every key of every embedded file documents itself and states what is
// allowed; plugin authors' files are checked here too.
func TestEveryDefaultKeyDocumented(t *testing.T) {
	c, err := LoadDefaults(Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range c.Components() {
		comp, _ := c.Component(name)
		if len(comp.Keys()) == 0 {
			t.Errorf("%s: no keys", name)
		}
		for _, k := range comp.Keys() {
			s, _ := comp.Spec(k)
			if s.Description == "" {
				t.Errorf("%s.%s: no description comment", name, k)
			}
			if (s.Kind == KindInt || s.Kind == KindFloat) && !s.HasRange && len(s.Choices) == 0 {
				t.Errorf("%s.%s: no [min - max] or choice list in its comment", name, k)
			}
		}
	}
}

func TestDefaultFileRoundTrip(t *testing.T) {
	files, _ := filepathGlobFS()
	for _, f := range files {
		data, _ := configs.FS.ReadFile(f)
		d, err := ParseDocument(f, data)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(d.Bytes(), data) {
			t.Errorf("%s: parse/print changed the file", f)
		}
	}
}

func filepathGlobFS() ([]string, error) {
	entries, err := configs.FS.ReadDir(".")
	var out []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".toml") {
			out = append(out, e.Name())
		}
	}
	return out, err
}

func TestUserOverrideAndLookupOrder(t *testing.T) {
	home, pdir := t.TempDir(), t.TempDir()
	write(t, home, "tranalyzer2.toml", "# mine\nMONINTV = 10\nDIFF_REPORT = 1 # trailing\nMACHINE_REPORT = yes_not_allowed_here\n")
	_, err := Load(Options{Home: home})
	if err == nil || !strings.Contains(err.Error(), "tranalyzer2.toml:4: MACHINE_REPORT = yes_not_allowed_here: expected one of 0") {
		t.Fatalf("err = %v", err)
	}
	write(t, home, "tranalyzer2.toml", "# mine\nMONINTV = 10\nDIFF_REPORT = 1 # trailing\nMONPROTL3 = [\"6\", \"L3_gre\"]\nVERBOSE=0x3\n")
	c, err := Load(Options{Home: home, PluginDir: pdir})
	if err != nil {
		t.Fatal(err)
	}
	if c.Float(Core, "MONINTV") != 10 || c.Int(Core, "DIFF_REPORT") != 1 || c.Int(Core, "VERBOSE") != 3 || c.Int(Core, "MACHINE_REPORT") != 0 {
		t.Errorf("home file not applied")
	}
	if comp, _ := c.Component(Core); comp.Source != filepath.Join(home, "tranalyzer2.toml") {
		t.Errorf("Source = %q", comp.Source)
	}
	// the plugin folder wins over the home
	write(t, pdir, "tranalyzer2.toml", "MONINTV = 0.5\n")
	c, err = Load(Options{Home: home, PluginDir: pdir})
	if err != nil {
		t.Fatal(err)
	}
	if c.Float(Core, "MONINTV") != 0.5 || c.Int(Core, "DIFF_REPORT") != 0 {
		t.Errorf("plugin folder file not preferred: MONINTV=%v DIFF=%d", c.Float(Core, "MONINTV"), c.Int(Core, "DIFF_REPORT"))
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		content string
		want    string // whole message after "config: DIR/"
	}{
		{"\nMONINTV = \"abc\"\n", `tranalyzer2.toml:2: MONINTV = "abc": expected a number in [0.001 - 86400]`},
		{"MONINTV = 0\n", `tranalyzer2.toml:1: MONINTV = 0: expected a number in [0.001 - 86400]`},
		{"MONINTV = abc\n", `tranalyzer2.toml:1: MONINTV = abc: expected a number in [0.001 - 86400]`},
		{"VERBOSE = 4\n", `tranalyzer2.toml:1: VERBOSE = 4: expected one of 0 (nothing but reports (no banner, no end report)), 1 (banner and end report, minimal), 2 (normal), 3 (everything, including details useful when debugging)`},
		{"MONINTBLK = 2\n", `tranalyzer2.toml:1: MONINTBLK = 2: expected 0 or 1 (or no/yes)`},
		{"MONINTVV = 2\n", `tranalyzer2.toml:1: MONINTVV: unknown key for tranalyzer2 (did you mean MONINTV, MONINTBLK?)`},
		{"MONPROTFL = proto.txt\n", `tranalyzer2.toml:1: MONPROTFL = proto.txt: expected a quoted string`},
		{"MONPROTL2 = [\"ETHERTYPE_ARPX\"]\n", `tranalyzer2.toml:1: MONPROTL2 = ["ETHERTYPE_ARPX"]: list entry "ETHERTYPE_ARPX": expected an ethertype (ETHERTYPE_NAME or a number 0-0xffff)`},
		{"MONPROTL3 = [\"256\"]\n", `tranalyzer2.toml:1: MONPROTL3 = ["256"]: list entry "256": expected an IP protocol (L3_NAME or a number 0-255)`},
		{"MONPROTL3 = [\"6\"\n", `tranalyzer2.toml:1: MONPROTL3 = ["6": a list must end with ] on the same line`},
		{"MONINTV 10\n", `tranalyzer2.toml:1: "MONINTV 10": expected KEY = value`},
		{"MONINTV = 1 2\n", `tranalyzer2.toml:1: MONINTV = 1: unexpected "2" after the value`},
		{"MONINTV = 1\nMONINTV = 2\n", `tranalyzer2.toml:2: MONINTV is already set on line 1`},
		{"[core]\n", `tranalyzer2.toml:1: [core]: tables are not supported; write KEY = value lines only`},
		{"T2_SENSORID = -1\n", `tranalyzer2.toml:1: T2_SENSORID = -1: expected an integer in [0 - 4294967295]`},
		{"MONINTV = NaN\n", `tranalyzer2.toml:1: MONINTV = NaN: expected a number in [0.001 - 86400]`},
	}
	for _, tt := range tests {
		home := t.TempDir()
		write(t, home, "tranalyzer2.toml", tt.content)
		_, err := Load(Options{Home: home})
		want := "config: " + DisplayPath(home) + "/" + tt.want
		if err == nil || err.Error() != want {
			t.Errorf("content %q:\n got %v\nwant %s", tt.content, err, want)
		}
	}
}

func TestCanonical(t *testing.T) {
	c, err := LoadDefaults(Options{})
	if err != nil {
		t.Fatal(err)
	}
	comp, _ := c.Component(Core)
	tests := []struct {
		key, in, want string
		bad           bool
	}{
		{"MACHINE_REPORT", "1", "1", false},
		{"MACHINE_REPORT", "yes", "1", false},
		{"MACHINE_REPORT", "NO", "0", false},
		{"MACHINE_REPORT", "2", "", true},
		{"MONINTPSYNC", "default", "1", false},
		{"MONINTBLK", "true", "1", false},
		{"MONINTV", "10", "10.0", false},
		{"MONINTV", "0.25", "0.25", false},
		{"MONINTV", "default", "1.0", false},
		{"MONINTV", "0", "", true},
		{"MONINTV", "ten", "", true},
		{"MONINTV", "yes", "", true},
		{"VERBOSE", "3", "3", false},
		{"VERBOSE", "yes", "", true},
		{"VERBOSE", "1.0", "1", false},
		{"VERBOSE", "1.5", "", true},
		{"SNAPLEN", "0x100", "256", false},
		{"MONPROTFL", "my proto.txt", `"my proto.txt"`, false},
		{"MONPROTFL", `"x.txt"`, `"x.txt"`, false},
		{"MONPROTFL", "default", `"proto.txt"`, false},
		{"MONPROTL3", "L3_TCP,17, L3_GRE", `["L3_TCP", "17", "L3_GRE"]`, false},
		{"MONPROTL3", "L3_TCP,6", "", true}, // 6 is L3_TCP: listed twice
		{"MONPROTL3", `["L3_UDP"]`, `["L3_UDP"]`, false},
		{"MONPROTL3", "", `[]`, false},
		{"MONPROTL3", "L3_FOO", "", true},
		{"MONPROTL2", "0x0042,0x00fe,ETHERTYPE_ARP,ETHERTYPE_RARP,ETHERTYPE_IP,ETHERTYPE_IPV6", `["0x0042", "0x00fe", "ETHERTYPE_ARP", "ETHERTYPE_RARP", "ETHERTYPE_IP", "ETHERTYPE_IPV6"]`, false},
		{"MONPROTL2", "0x10000", "", true},
	}
	for _, tt := range tests {
		s, ok := comp.Spec(tt.key)
		if !ok {
			t.Fatalf("no key %s", tt.key)
		}
		got, err := s.Canonical(tt.in)
		if tt.bad {
			if err == nil {
				t.Errorf("%s=%q: accepted as %s", tt.key, tt.in, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s=%q: got %q, %v; want %q", tt.key, tt.in, got, err, tt.want)
		}
	}
}

func TestDocumentSetKeepsLayout(t *testing.T) {
	src := "# head\n\n# about A\n# [0 - 1]\nA = 0   # note\nB = \"x\"\n"
	d, err := ParseDocument("f", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	d.Set("A", "1")
	d.Set("B", `"a longer value"`)
	d.Set("C", "5")
	want := "# head\n\n# about A\n# [0 - 1]\nA = 1   # note\nB = \"a longer value\"\n\nC = 5\n"
	if got := string(d.Bytes()); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	e, _ := d.Get("A")
	if strings.Join(e.Comment, "|") != "about A|[0 - 1]" {
		t.Errorf("comment block = %q", e.Comment)
	}
	d2, err := ParseDocument("f", d.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if e, _ := d2.Get("C"); e.Raw != "5" {
		t.Errorf("appended key not re-read")
	}
}

func TestParseProtoList(t *testing.T) {
	tests := []struct {
		kind    string
		in      []string
		want    []uint16
		wantErr string
	}{
		{"MONPROTL2", []string{"ETHERTYPE_ARP", "ETHERTYPE_RARP"}, []uint16{0x0806, 0x8035}, ""},
		{"MONPROTL2", []string{"0x0806", "2048", "ethertype_ipv6", "ETHERTYPE_VLAN"}, []uint16{0x0806, 0x0800, 0x86dd, 0x8100}, ""},
		{"MONPROTL3", []string{"L3_TCP", "L3_UDP", "L3_ICMP", "L3_ICMP6", "L3_SCTP"}, []uint16{6, 17, 1, 58, 132}, ""},
		{"MONPROTL3", []string{"L3_IGMP", "L3_GRE", "6", "0x11"}, []uint16{2, 47, 6, 17}, ""},
		{"L3", nil, []uint16{}, ""},
		{"MONPROTL3", []string{"L3_TCP", "TCP"}, nil, `list entry "TCP"`},
		{"MONPROTL3", []string{"300"}, nil, `list entry "300"`},
		{"MONPROTL2", []string{"-1"}, nil, `list entry "-1"`},
		{"MONPROTL4", []string{"1"}, nil, `unknown protocol list kind`},
	}
	for _, tt := range tests {
		got, err := ParseProtoList(tt.kind, tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s %v: err %v, want %q", tt.kind, tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || len(got) != len(tt.want) {
			t.Errorf("%s %v: %v %v", tt.kind, tt.in, got, err)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("%s %v: got %v want %v", tt.kind, tt.in, got, tt.want)
			}
		}
	}
}

func TestProtoFile(t *testing.T) {
	c, err := Load(emptyHome(t))
	if err != nil {
		t.Fatal(err)
	}
	names, err := c.ProtoNames()
	if err != nil {
		t.Fatal(err)
	}
	descs, err := c.ProtoDescriptions()
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]string{0: "HOPOPT", 1: "ICMP", 2: "IGMP", 6: "TCP", 17: "UDP", 47: "GRE", 58: "ICMPv6", 132: "SCTP", 200: "Unassigned", 255: "Reserved"}
	for i, n := range want {
		if names[i] != n {
			t.Errorf("proto %d = %q, want %q", i, names[i], n)
		}
	}
	if descs[200] != "-" || !strings.Contains(descs[6], "Transmission Control") {
		t.Errorf("descriptions: %q %q", descs[200], descs[6])
	}
	for i, n := range names {
		if len(n) > 15 {
			t.Errorf("proto %d name %q longer than T2's 15 characters", i, n)
		}
	}
	// an override file by line position; a short one is an error
	home := t.TempDir()
	var b strings.Builder
	for i := 0; i < 256; i++ {
		b.WriteString("999\tP" + strings.Repeat("x", i%3) + "\tdesc\n")
	}
	write(t, home, "proto.txt", b.String())
	c, _ = Load(Options{Home: home})
	if names, err = c.ProtoNames(); err != nil || names[1] != "Px" {
		t.Errorf("override: %q %v", names[1], err)
	}
	write(t, home, "proto.txt", "0\tHOPOPT\tx\n1\tICMP\tx\n")
	if _, err = c.ProtoNames(); err == nil || !strings.Contains(err.Error(), "has 2 lines, expected 256") {
		t.Errorf("short file: %v", err)
	}
	write(t, home, "proto.txt", "0\n")
	if _, err = c.ProtoNames(); err == nil || !strings.Contains(err.Error(), "proto.txt:1: expected NUMBER") {
		t.Errorf("bad line: %v", err)
	}
	// MONPROTFL names another file
	write(t, home, "tranalyzer2.toml", "MONPROTFL = \"missing.txt\"\n")
	c, _ = Load(Options{Home: home})
	if _, err = c.ProtoNames(); err == nil || !strings.Contains(err.Error(), "missing.txt") {
		t.Errorf("missing MONPROTFL: %v", err)
	}
}

func TestActivePlugins(t *testing.T) {
	home, pdir := t.TempDir(), t.TempDir()
	c, _ := Load(Options{Home: home})
	if n, ex := c.ActivePlugins(); n != nil || ex {
		t.Errorf("no file: %v %v", n, ex)
	}
	write(t, home, "plugins.txt", "# only comments\n\n")
	c, _ = Load(Options{Home: home})
	if n, ex := c.ActivePlugins(); n == nil || len(n) != 0 || !ex {
		t.Errorf("empty file: %v %v", n, ex)
	}
	write(t, home, "plugins.txt", "100_basicFlow.so\nbasicStats # comment\n132_tcpStates\ntranalyzer2\nbasicFlow\ntxtSink/\n")
	c, _ = Load(Options{Home: home, PluginDir: pdir})
	if n, _ := c.ActivePlugins(); strings.Join(n, ",") != "basicFlow,basicStats,tcpStates,txtSink" {
		t.Errorf("names: %v", n)
	}
	write(t, pdir, "plugins.txt", "ftpDecode\n")
	c, _ = Load(Options{Home: home, PluginDir: pdir})
	if n, _ := c.ActivePlugins(); strings.Join(n, ",") != "ftpDecode" {
		t.Errorf("plugin folder list not preferred: %v", n)
	}
	write(t, pdir, "plugins.txt", "basic Flow\n")
	if _, err := Load(Options{Home: home, PluginDir: pdir}); err == nil || !strings.Contains(err.Error(), `plugins.txt:1: "basic Flow"`) {
		t.Errorf("bad list: %v", err)
	}
}

// A key missing from the defaults (or of another type) is an error that
// names the component and key, never a panic.
func TestLookupErrorsNotPanics(t *testing.T) {
	tests := []struct {
		f    func(c *Config)
		want string
	}{
		{func(c *Config) { c.Int(Core, "NO_SUCH_KEY") }, "no setting NO_SUCH_KEY in the defaults of tranalyzer2"},
		{func(c *Config) { c.Int("noSuchPlugin", "MONINTV") }, "no component noSuchPlugin"},
		{func(c *Config) { c.Int(Core, "MONINTV") }, "setting MONINTV of tranalyzer2 is a"},
		{func(c *Config) { c.String(Core, "MONINTV") }, "setting MONINTV of tranalyzer2 is a"},
		{func(c *Config) { c.Strings(Core, "VERBOSE") }, "setting VERBOSE of tranalyzer2 is a"},
	}
	for _, tc := range tests {
		c, _ := Load(emptyHome(t))
		if c.Err() != nil {
			t.Fatal(c.Err())
		}
		tc.f(c)
		if c.Err() == nil || !strings.Contains(c.Err().Error(), tc.want) {
			t.Errorf("Err() = %v, want %q", c.Err(), tc.want)
		}
	}
	c, _ := Load(emptyHome(t))
	if c.Float(Core, "VERBOSE") != 2 {
		t.Error("Float of an int key")
	}
}

func TestDefaultHome(t *testing.T) {
	t.Setenv("T2_HOME", "/x/y")
	if DefaultHome() != "/x/y" {
		t.Error("T2_HOME ignored")
	}
	t.Setenv("T2_HOME", "")
	t.Setenv("HOME", "/home/someone")
	t.Setenv("SUDO_USER", "")
	if got := DefaultHome(); got != "/home/someone/.tranalyzer" {
		t.Errorf("got %s", got)
	}
	if os.Geteuid() == 0 {
		t.Setenv("SUDO_USER", "root")
		if got := DefaultHome(); got != "/root/.tranalyzer" {
			t.Errorf("under sudo: got %s", got)
		}
	}
}

func TestPluginCatalogue(t *testing.T) {
	core, _ := configs.FS.ReadFile("tranalyzer2.toml")
	fsys := fstest.MapFS{
		"tranalyzer2.toml": {Data: core},
		"proto.txt":        {Data: []byte("")},
		"basicFlow.toml":   {Data: []byte("# plugin: basicFlow 100\n\n# Keep it.\n# [0 - 1]\nBFO_X = 1\n")},
		"protoStats.toml":  {Data: []byte("# plugin: protoStats 001\n")},
	}
	c, err := Load(Options{Home: t.TempDir(), Defaults: fsys})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.Components(), ","); got != "tranalyzer2,protoStats,basicFlow" {
		t.Errorf("components %s", got)
	}
	cat := c.Catalogue()
	if len(cat) != 2 || cat[0] != (PluginInfo{"protoStats", 1}) || cat[1] != (PluginInfo{"basicFlow", 100}) {
		t.Errorf("catalogue %v", cat)
	}
	if c.Int("basicFlow", "BFO_X") != 1 {
		t.Error("plugin key")
	}
	fsys["bad.toml"] = &fstest.MapFile{Data: []byte("X = 1\n")}
	if _, err := Load(Options{Home: t.TempDir(), Defaults: fsys}); err == nil || !strings.Contains(err.Error(), `configs/bad.toml:1: a plugin file must start with "# plugin: bad NUMBER"`) {
		t.Errorf("bad plugin header: %v", err)
	}
	delete(fsys, "bad.toml")
	fsys["badDefault.toml"] = &fstest.MapFile{Data: []byte("# plugin: badDefault 5\n# [0 - 1]\nX = 3\n")}
	if _, err := Load(Options{Home: t.TempDir(), Defaults: fsys}); err == nil || !strings.Contains(err.Error(), "default value is not allowed") {
		t.Errorf("bad default: %v", err)
	}
}

func TestWriteAtomicAndLock(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "sub", "a.toml")
	if err := WriteFileAtomic(f, []byte("A = 1\n")); err != nil {
		t.Fatal(err)
	}
	os.Chmod(f, 0o600)
	if err := WriteFileAtomic(f, []byte("A = 2\n")); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(f)
	data, _ := os.ReadFile(f)
	if string(data) != "A = 2\n" || st.Mode().Perm() != 0o600 {
		t.Errorf("content %q mode %v", data, st.Mode())
	}
	entries, _ := os.ReadDir(filepath.Dir(f))
	if len(entries) != 1 {
		t.Errorf("temp files left: %v", entries)
	}
	// Lock serialises read-modify-write: no increment is lost.
	counter := filepath.Join(dir, "n")
	os.WriteFile(counter, []byte("0"), 0o644)
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			unlock, err := Lock(dir)
			if err != nil {
				t.Error(err)
				return
			}
			defer unlock()
			b, _ := os.ReadFile(counter)
			n := len(b)
			WriteFileAtomic(counter, []byte(strings.Repeat("x", n+1)))
		}()
	}
	wg.Wait()
	if b, _ := os.ReadFile(counter); len(b) != 21 {
		t.Errorf("lost updates: %d", len(b))
	}
}

func TestSuggest(t *testing.T) {
	keys := []string{"MONINTV", "MONINTPSYNC", "MONINTTMPCP", "MONINTTMPCP_ON", "DIFF_REPORT", "VERBOSE"}
	tests := []struct{ in, first string }{
		{"MONINTVV", "MONINTV"}, {"monintv", "MONINTV"}, {"DIFFREPORT", "DIFF_REPORT"},
		{"MONINTTMPCPON", "MONINTTMPCP_ON"}, {"VERBOS", "VERBOSE"}, {"ZZZZZZZZZZ", ""},
	}
	for _, tt := range tests {
		got := Suggest(tt.in, keys)
		first := ""
		if len(got) > 0 {
			first = got[0]
		}
		if first != tt.first {
			t.Errorf("Suggest(%s) = %v", tt.in, got)
		}
	}
}

func write(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Run as root (sudo t2conf), new folders and files take the owner of the
// folder they are created in, and a replaced file keeps its owner; the
// user can still take the lock afterwards.
func TestOwnershipUnderRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	userHome := t.TempDir()
	os.Chmod(userHome, 0o755)
	os.Chown(userHome, 65534, 65534)
	t.Setenv("SUDO_UID", "65534") // sudo by user 65534
	home := filepath.Join(userHome, ".tranalyzer")
	unlock, err := Lock(home)
	if err != nil {
		t.Fatal(err)
	}
	unlock()
	file := filepath.Join(home, "tranalyzer2.toml")
	if err := WriteFileAtomic(file, []byte("A = 1\n")); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{home, file, filepath.Join(home, LockName)} {
		st, _ := os.Stat(p)
		if s := st.Sys().(*syscall.Stat_t); s.Uid != 65534 || s.Gid != 65534 {
			t.Errorf("%s owned by %d:%d", p, s.Uid, s.Gid)
		}
	}
	os.Chown(file, 1234, 1234)
	WriteFileAtomic(file, []byte("A = 2\n"))
	st, _ := os.Stat(file)
	if s := st.Sys().(*syscall.Stat_t); s.Uid != 1234 {
		t.Errorf("replaced file owned by %d", s.Uid)
	}
	// the lock file is root-owned 0644 now in the worst case: still usable read-only
	lock := filepath.Join(home, LockName)
	os.Chown(lock, 0, 0)
	f, err := os.OpenFile(lock, os.O_RDONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Errorf("flock on a read-only descriptor: %v", err)
	}
	f.Close()
}

// Root under sudo (simulated: the folder belongs to user 65534, who ran
// sudo) must not follow a .t2conf.lock the user planted as a symbolic
// link, nor open a FIFO there, nor lock in a folder of a third user.
func TestLockRefusesPlantedFiles(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to act as sudo")
	}
	base := t.TempDir()
	os.Chmod(base, 0o755)
	victim := filepath.Join(base, "victim", "nologin") // stands for /etc/nologin
	os.Mkdir(filepath.Dir(victim), 0o755)
	home := filepath.Join(base, "home")
	os.Mkdir(home, 0o755)
	os.Chown(home, 65534, 65534)
	t.Setenv("SUDO_UID", "65534")

	lock := filepath.Join(home, LockName)
	if err := os.Symlink(victim, lock); err != nil {
		t.Fatal(err)
	}
	if _, err := Lock(home); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("symlinked lock: %v", err)
	}
	if _, err := os.Lstat(victim); err == nil {
		t.Errorf("root created %s through the planted link", victim)
	}
	os.Remove(lock)
	if err := syscall.Mkfifo(lock, 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := Lock(home)
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("FIFO lock: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Lock hangs on a planted FIFO")
	}
	os.Remove(lock)
	unlock, err := Lock(home)
	if err != nil {
		t.Fatalf("clean folder: %v", err)
	}
	unlock()
	if st, err := os.Lstat(lock); err != nil || st.Sys().(*syscall.Stat_t).Uid != 65534 {
		t.Errorf("new lock file: %v %v", st, err)
	}

	other := filepath.Join(base, "other")
	os.Mkdir(other, 0o755)
	os.Chown(other, 1234, 1234)
	if _, err := Lock(other); err == nil || !strings.Contains(err.Error(), "belongs to user 1234") {
		t.Errorf("third user's folder: %v", err)
	}
	if _, err := os.Lstat(filepath.Join(other, LockName)); err == nil {
		t.Error("lock file created in a third user's folder")
	}
}
