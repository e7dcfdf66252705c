// Command t2build chooses the active t2 plugins and checks the
// configuration (the counterpart of T2's t2build/autogen.sh).
package main

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/t2go/t2go/pkg/cliutil"
	"github.com/t2go/t2go/pkg/iostreams"
	"github.com/t2go/t2go/pkg/t2build"
)

func main() {
	io := iostreams.System()
	cmd := &cobra.Command{
		Use: "t2build [OPTION...] [plugin...]",
		// pkg/t2build parses T2's options and prints T2's messages.
		DisableFlagParsing: true,
		SilenceUsage:       true,
		SilenceErrors:      true,
		CompletionOptions:  cobra.CompletionOptions{DisableDefaultCmd: true},
		RunE: func(_ *cobra.Command, args []string) error {
			return (&t2build.Command{IO: io}).Run(args)
		},
	}
	cmd.SetArgs(os.Args[1:])
	os.Exit(cliutil.ExitCode("t2build", cmd.Execute(), io.ErrOut))
}
