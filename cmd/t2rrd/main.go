// Command t2rrd stores t2 machine reports in a round-robin database and
// plots them: `st2 -i IF -l | t2rrd -m`, then `t2rrd -n numAFlows numBFlows`.
// See docs/t2rrd.md.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/t2go/t2go/pkg/cliutil"
	"github.com/t2go/t2go/pkg/iostreams"
	"github.com/t2go/t2go/pkg/t2rrd/cli"
)

func main() {
	// the suite's --version, as every command has it
	if len(os.Args) == 2 && os.Args[1] == "--version" {
		fmt.Println(cliutil.VersionLine("t2rrd"))
		return
	}
	// SIGINT/SIGTERM end a live plot (or -m) cleanly: pending rows are
	// written before exit.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], iostreams.System())
	stop()
	os.Exit(code)
}
