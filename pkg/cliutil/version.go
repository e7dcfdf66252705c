package cliutil

import (
	"runtime/debug"
	"strings"
)

// Set at link time by the Makefile (-ldflags -X) where the build has no
// VCS stamp (a git worktree, a source tarball); the build info wins when
// it has one.
var (
	version = ""
	commit  = ""
)

// Version returns the suite's version and commit, e.g. "v0.4.0 (commit
// 1a2b3c4d5e6f)" or "devel (commit 1a2b3c4d5e6f, modified)". The version
// is the module version go install records; a local build is "devel".
func Version() string {
	v, rev, dirty := version, commit, false
	if bi, ok := debug.ReadBuildInfo(); ok {
		if mv := bi.Main.Version; mv != "" && mv != "(devel)" && v == "" {
			v = mv
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	if v == "" {
		v = "devel"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	var parts []string
	if rev != "" {
		parts = append(parts, "commit "+rev)
	} else {
		parts = append(parts, "commit unknown")
	}
	if dirty {
		parts = append(parts, "modified")
	}
	return v + " (" + strings.Join(parts, ", ") + ")"
}

// VersionLine is what --version prints: "t2stat (t2go) v0.4.0 (commit ...)".
func VersionLine(tool string) string {
	return tool + " (t2go) " + Version()
}
