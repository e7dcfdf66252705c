// Command t2stat finds running t2 instances and sends them signals.
package main

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/t2go/t2go/pkg/cliutil"
	"github.com/t2go/t2go/pkg/iostreams"
	"github.com/t2go/t2go/pkg/t2stat"
)

func main() {
	io := iostreams.System()
	cmd := &cobra.Command{
		Use: "t2stat [OPTION...]",
		// -USR2, -SIGINT and INTERVAL are not flags cobra understands;
		// pkg/t2stat parses the arguments the way T2's script does.
		DisableFlagParsing: true,
		SilenceUsage:       true,
		SilenceErrors:      true,
		CompletionOptions:  cobra.CompletionOptions{DisableDefaultCmd: true},
		RunE: func(_ *cobra.Command, args []string) error {
			return (&t2stat.Command{IO: io}).Run(args)
		},
	}
	cmd.SetArgs(os.Args[1:])
	os.Exit(cliutil.ExitCode("t2stat", cmd.Execute(), io.ErrOut))
}
