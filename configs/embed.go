// Package configs holds the default configuration files of t2 and its
// plugins. They are embedded into every binary, so no file is needed to run;
// users override them with copies in their config home (see pkg/config).
package configs

import "embed"

// FS holds every *.toml component file and the *.txt data files
// (proto.txt) of this directory.
//
//go:embed *.toml *.txt
var FS embed.FS
