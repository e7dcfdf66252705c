package config

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
)

// ProtoNames returns column 2 of the protocol file (MONPROTFL, default
// proto.txt) for IP protocols 0..255, by line position.
func (c *Config) ProtoNames() ([256]string, error) { return c.protoColumn(1) }

// ProtoDescriptions returns column 3 of the protocol file.
func (c *Config) ProtoDescriptions() ([256]string, error) { return c.protoColumn(2) }

// ProtoFile returns the protocol file in use and its content: MONPROTFL
// looked up in the plugin folder, then the home, then the embedded copy.
// A name containing "/" is read as given.
func (c *Config) ProtoFile() (string, []byte, error) {
	name := "proto.txt"
	if comp, ok := c.comps[Core]; ok {
		if _, ok := comp.specs["MONPROTFL"]; ok {
			name = c.String(Core, "MONPROTFL")
		}
	}
	// A name longer than any path cannot name a file; saying so keeps a
	// huge value out of the message.
	if len(name) > maxPath {
		return "", nil, fmt.Errorf("config: MONPROTFL is %d bytes long, longer than any file name (%d)", len(name), maxPath)
	}
	if strings.ContainsRune(name, '/') {
		// A path named by a user's tranalyzer2.toml is read with that
		// user's rights under sudo.
		read := ReadFileLimited
		if comp, ok := c.comps[Core]; ok && comp.Source != "" && c.opts.fromHome(comp.Source) {
			read = readAsUser
		}
		data, err := read(name, MaxDataFile)
		if err != nil {
			return name, nil, fmt.Errorf("config: protocol file (MONPROTFL): %w", err)
		}
		return name, data, nil
	}
	if file, ok := c.opts.Lookup(name); ok {
		data, err := c.opts.readUserFile(file, MaxDataFile)
		if err != nil {
			return file, nil, fmt.Errorf("config: protocol file (MONPROTFL): %w", err)
		}
		return file, data, nil
	}
	data, err := fs.ReadFile(c.opts.defaults(), name)
	if err != nil {
		return name, nil, fmt.Errorf("config: protocol file %s not found in %s or the built-in defaults",
			name, DisplayPath(filepath.Join(c.opts.WriteDir())))
	}
	return "configs/" + name, data, nil
}

// maxPath is Linux's PATH_MAX.
const maxPath = 4096

func (c *Config) protoColumn(col int) ([256]string, error) {
	var out [256]string
	file, data, err := c.ProtoFile()
	if err != nil {
		return out, err
	}
	return ParseProtoFile(file, data, col)
}

// ParseProtoFile reads the first 256 lines of a protocol file
// (NUMBER<TAB>SHORTNAME<TAB>DESCRIPTION) and returns column col (0-based)
// of each line; line i describes protocol i.
func ParseProtoFile(file string, data []byte, col int) ([256]string, error) {
	var out [256]string
	sc := bufio.NewScanner(bytes.NewReader(data))
	i := 0
	for i < 256 && sc.Scan() {
		f := strings.Split(strings.TrimRight(sc.Text(), "\r"), "\t")
		if len(f) <= col || strings.TrimSpace(f[col]) == "" {
			return out, &LineError{Path: file, Line: i + 1, Msg: "expected NUMBER<TAB>NAME<TAB>DESCRIPTION (one line per IP protocol number)"}
		}
		out[i] = strings.TrimSpace(f[col])
		i++
	}
	if err := sc.Err(); err != nil {
		return out, fmt.Errorf("config: %s: %w", DisplayPath(file), err)
	}
	if i < 256 {
		return out, &LineError{Path: file, Msg: fmt.Sprintf("has %d lines, expected 256 (one per IP protocol number)", i)}
	}
	return out, nil
}
