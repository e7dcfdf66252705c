// Command t2conf reads and changes the settings of t2 and its plugins.
package main

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/t2go/t2go/pkg/cliutil"
	"github.com/t2go/t2go/pkg/iostreams"
	"github.com/t2go/t2go/pkg/t2conf"
)

func main() {
	io := iostreams.System()
	cmd := &cobra.Command{
		Use: "t2conf [OPTION...] [PLUGIN...]",
		// T2's options (-0, -D NAME=VALUE given several times, -DNAME=V)
		// are parsed by pkg/t2conf so the messages match T2's.
		DisableFlagParsing: true,
		SilenceUsage:       true,
		SilenceErrors:      true,
		CompletionOptions:  cobra.CompletionOptions{DisableDefaultCmd: true},
		RunE: func(_ *cobra.Command, args []string) error {
			return (&t2conf.Command{IO: io}).Run(args)
		},
	}
	cmd.SetArgs(os.Args[1:])
	os.Exit(cliutil.ExitCode("t2conf", cmd.Execute(), io.ErrOut))
}
