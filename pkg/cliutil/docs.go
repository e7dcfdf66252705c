package cliutil

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// Where WriteDocs puts each file, relative to its directory; these are
// the places under PREFIX/share that bash-completion, zsh, fish and man
// search, so "make install" copies the tree as it is.
func docPaths(name string) map[string]string {
	return map[string]string{
		"bash": filepath.Join("bash-completion", "completions", name),
		"zsh":  filepath.Join("zsh", "site-functions", "_"+name),
		"fish": filepath.Join("fish", "vendor_completions.d", name+".fish"),
		"man":  filepath.Join("man", "man1", name+".1"),
	}
}

// WriteDocs writes the bash, zsh and fish completions and the man page
// of each command into dir (laid out like PREFIX/share). The completion
// scripts ask the command itself (its hidden __complete request), so
// plugin names and setting keys are completed from the running version.
func WriteDocs(dir string, cmds ...*cobra.Command) error {
	// a fixed date keeps the pages reproducible (SOURCE_DATE_EPOCH wins)
	date := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, cmd := range cmds {
		name := cmd.Name()
		paths := docPaths(name)
		for _, kind := range []string{"bash", "zsh", "fish", "man"} {
			p := filepath.Join(dir, paths[kind])
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
			f, err := os.Create(p)
			if err != nil {
				return err
			}
			switch kind {
			case "bash":
				err = cmd.GenBashCompletionV2(f, true)
			case "zsh":
				err = cmd.GenZshCompletion(f)
			case "fish":
				err = cmd.GenFishCompletion(f, true)
			case "man":
				err = doc.GenMan(cmd, &doc.GenManHeader{
					Title: name, Section: "1", Source: "t2go " + Version(),
					Manual: "t2go manual", Date: &date,
				}, f)
			}
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return fmt.Errorf("%s %s: %w", name, kind, err)
			}
		}
	}
	return nil
}
