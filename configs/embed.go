// Package configs holds the default configuration of the t2 core
// (tranalyzer2.toml) and the protocol file proto.txt it shares with
// protoStats; each plugin keeps its own defaults in its folder under
// pkg/plugins. They are embedded into every binary, so no file is needed
// to run; users override them with copies in their config home (see
// pkg/config).
package configs

import "embed"

// FS holds tranalyzer2.toml and proto.txt.
//
//go:embed *.toml *.txt
var FS embed.FS
