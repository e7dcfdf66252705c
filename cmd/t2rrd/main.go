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
	"github.com/t2go/t2go/pkg/t2rrdcli"
)

func main() {
	// SIGINT/SIGTERM end a live plot (or -m) cleanly: pending rows are
	// written before exit.
	if len(os.Args) == 2 && os.Args[1] == "--version" {
		fmt.Println(cliutil.VersionLine("t2rrd"))
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := t2rrdcli.Run(ctx, os.Args[1:], t2rrdcli.IO{In: os.Stdin, Out: os.Stdout, Err: os.Stderr})
	stop()
	os.Exit(code)
}
