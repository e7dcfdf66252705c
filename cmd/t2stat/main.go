// Command t2stat finds running t2 instances and sends them signals.
package main

import (
	"os"

	"github.com/t2go/t2go/pkg/cliutil"
	"github.com/t2go/t2go/pkg/iostreams"
	"github.com/t2go/t2go/pkg/t2stat"
)

func main() {
	io := iostreams.System()
	os.Exit(cliutil.Execute(t2stat.NewCmd(io, nil), io, os.Args[1:], t2stat.NormalizeArgs))
}
