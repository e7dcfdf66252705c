package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// simulateSudo makes t2 believe it runs under sudo for user 4242.
func simulateSudo(t *testing.T) {
	t.Helper()
	old := invokingUser
	invokingUser = func() (uint32, uint32, bool) { return 4242, 4242, true }
	t.Cleanup(func() { invokingUser = old })
}

// secretFile is a root-only file (as /etc/shadow) holding a "hash".
func secretFile(t *testing.T) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "shadow")
	if err := os.WriteFile(f, []byte("root:$6$SECRETHASH:19000:0:99999:7:::\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		os.Chown(f, 0, 0)
	}
	return f
}

func TestSudoUserFilesReadWithUserRights(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("the file ownership checks need root")
	}
	secret := secretFile(t)
	tests := []struct {
		name  string
		setup func(home string)
	}{
		{"MONPROTFL names a root-only file", func(home string) {
			write(t, home, "tranalyzer2.toml", "MONPROTFL = \""+secret+"\"\n")
		}},
		{"MONPROTFL is a symlink to it", func(home string) {
			os.Symlink(secret, filepath.Join(home, "proto.txt"))
		}},
		{"the config file is a symlink to it", func(home string) {
			os.Symlink(secret, filepath.Join(home, "tranalyzer2.toml"))
		}},
		{"plugins.txt is a symlink to it", func(home string) {
			os.Symlink(secret, filepath.Join(home, "plugins.txt"))
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			simulateSudo(t)
			home := t.TempDir()
			tc.setup(home)
			c, err := Load(Options{Home: home})
			if err == nil {
				_, err = c.ProtoNames()
			}
			if err == nil {
				t.Fatal("a root-only file named by the user's config was read")
			}
			if strings.Contains(err.Error(), "SECRET") || strings.Contains(err.Error(), "root:") {
				t.Fatalf("the error shows the file's content: %v", err)
			}
			if !strings.Contains(err.Error(), "refused") {
				t.Errorf("error %q does not say the file was refused", err)
			}
		})
	}
	// A file the user may read (0644, as /etc/passwd) is read.
	simulateSudo(t)
	home := t.TempDir()
	pub := filepath.Join(t.TempDir(), "proto.txt")
	data, _ := os.ReadFile("../../configs/proto.txt")
	os.WriteFile(pub, data, 0o644)
	write(t, home, "tranalyzer2.toml", "MONPROTFL = \""+pub+"\"\n")
	c, err := Load(Options{Home: home})
	if err != nil {
		t.Fatal(err)
	}
	if names, err := c.ProtoNames(); err != nil || names[6] != "TCP" {
		t.Errorf("readable proto file: %v %q", err, names[6])
	}
}

// Without sudo a malformed protocol file is reported by line, without
// its content.
func TestProtoFileErrorShowsNoContent(t *testing.T) {
	secret := secretFile(t)
	home := t.TempDir()
	write(t, home, "tranalyzer2.toml", "MONPROTFL = \""+secret+"\"\n")
	c, err := Load(Options{Home: home})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ProtoNames()
	if err == nil || strings.Contains(err.Error(), "SECRET") || !strings.Contains(err.Error(), ":1:") {
		t.Errorf("ProtoNames = %v, want a line error without the content", err)
	}
}

// Devices and huge files are refused with the file's name, reading at
// most limit+1 bytes.
func TestSizeLimits(t *testing.T) {
	if _, err := ReadFileLimited("/dev/zero", 1000); err == nil || !strings.Contains(err.Error(), "/dev/zero: larger than 1000 bytes") {
		t.Errorf("ReadFileLimited(/dev/zero) = %v", err)
	}
	for _, name := range []string{"tranalyzer2.toml", "plugins.txt", "basicFlow.toml"} {
		home := t.TempDir()
		os.Symlink("/dev/zero", filepath.Join(home, name))
		if _, err := Load(Options{Home: home}); err == nil || !strings.Contains(err.Error(), name+": larger than") {
			t.Errorf("%s -> /dev/zero: %v", name, err)
		}
	}
	home := t.TempDir()
	write(t, home, "tranalyzer2.toml", "MONPROTFL = \"/dev/zero\"\n")
	c, err := Load(Options{Home: home})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ProtoNames(); err == nil || !strings.Contains(err.Error(), "/dev/zero: larger than") {
		t.Errorf("MONPROTFL=/dev/zero: %v", err)
	}
}

// Values in messages are escaped and cut.
func TestMessagesClipValues(t *testing.T) {
	home := t.TempDir()
	write(t, home, "tranalyzer2.toml", "VERBOSE = 1\x002\n")
	_, err := Load(Options{Home: home})
	if err == nil || strings.ContainsRune(err.Error(), 0) || !strings.Contains(err.Error(), `\x00`) {
		t.Errorf("NUL value: %q", err)
	}
	big := strings.Repeat("a", 500000)
	write(t, home, "tranalyzer2.toml", "VERBOSE = "+big+"\n")
	_, err = Load(Options{Home: home})
	if err == nil || len(err.Error()) > 400 || !strings.Contains(err.Error(), "(500000 bytes)") {
		t.Errorf("huge value: %q", err)
	}
	write(t, home, "tranalyzer2.toml", "MONPROTFL = \""+big+"\"\n")
	c, err := Load(Options{Home: home})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ProtoNames(); err == nil || len(err.Error()) > 300 {
		t.Errorf("huge MONPROTFL: %d bytes of message", len(err.Error()))
	}
}

func TestProtoListDuplicates(t *testing.T) {
	entries := make([]string, 3001)
	for i := range entries {
		entries[i] = "L3_TCP"
	}
	if _, err := ParseProtoList("MONPROTL3", entries); err == nil || !strings.Contains(err.Error(), "already listed") {
		t.Errorf("3001 x L3_TCP: %v", err)
	}
	if _, err := ParseProtoList("MONPROTL2", []string{"ETHERTYPE_ARP", "0x0806"}); err == nil {
		t.Error("ETHERTYPE_ARP and 0x0806 accepted together")
	}
	if got, err := ParseProtoList("MONPROTL3", []string{"L3_TCP", "17"}); err != nil || len(got) != 2 {
		t.Errorf("distinct entries: %v %v", got, err)
	}
}
