// Command gendocs writes the shell completions (bash, zsh, fish) and man
// pages of t2go's commands, generated from their cobra definitions:
//
//	go run ./scripts/gendocs DIR
//
// DIR is laid out like PREFIX/share (bash-completion/completions/t2,
// zsh/site-functions/_t2, fish/vendor_completions.d/t2.fish,
// man/man1/t2.1, ...); "make install" copies it into place.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/t2go/t2go/pkg/cliutil"
	"github.com/t2go/t2go/pkg/iostreams"
	"github.com/t2go/t2go/pkg/t2build"
	"github.com/t2go/t2go/pkg/t2cmd"
	"github.com/t2go/t2go/pkg/t2conf"
	"github.com/t2go/t2go/pkg/t2rrd/cli"
	"github.com/t2go/t2go/pkg/t2stat"
	"github.com/t2go/t2go/pkg/tcol"
)

// Commands returns the root command of every binary.
func commands() []*cobra.Command {
	io := iostreams.System()
	t2 := t2cmd.NewCommand(io, nil)
	t2.Short = "Tranalyzer2's network flow analyzer"
	return []*cobra.Command{
		t2,
		t2stat.NewCmd(io, nil),
		t2conf.NewCmd(io, nil),
		t2build.NewCmd(io, nil),
		t2rrd(io),
		tcol.NewCmd(io, nil),
	}
}

// t2rrd's command documents the --version its main answers.
func t2rrd(io *iostreams.IO) *cobra.Command {
	cmd := cli.NewCmd(io, nil)
	cmd.Flags().Bool("version", false, "print the version and commit of t2go, then exit")
	cmd.DisableFlagsInUseLine = true
	return cmd
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: go run ./scripts/gendocs DIR")
		os.Exit(2)
	}
	if err := cliutil.WriteDocs(os.Args[1], commands()...); err != nil {
		fmt.Fprintln(os.Stderr, "gendocs:", err)
		os.Exit(1)
	}
}
