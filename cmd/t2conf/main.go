// Command t2conf reads and changes the settings of t2 and its plugins.
package main

import (
	"os"

	"github.com/t2go/t2go/pkg/cliutil"
	"github.com/t2go/t2go/pkg/iostreams"
	"github.com/t2go/t2go/pkg/t2conf"
)

func main() {
	io := iostreams.System()
	os.Exit(cliutil.Execute(t2conf.NewCmd(io, nil), io, os.Args[1:], t2conf.NormalizeArgs))
}
