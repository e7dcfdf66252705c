// Command t2 is the network flow analyzer: the Go counterpart of
// Tranalyzer2's tranalyzer binary.
package main

import (
	"os"

	"github.com/t2go/t2go/pkg/cliutil"
	"github.com/t2go/t2go/pkg/iostreams"
	"github.com/t2go/t2go/pkg/monitor"
	"github.com/t2go/t2go/pkg/t2cmd"
)

func main() {
	// Subscribe to signals before anything is printed, so an early
	// USR1/USR2 never kills t2.
	ctl := monitor.Start()
	io := iostreams.System()
	err := t2cmd.NewCommand(io, ctl).Execute()
	os.Exit(cliutil.ExitCode("t2", err, io.ErrOut))
}
