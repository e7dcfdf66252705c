// Command tcol aligns TAB-separated columns for reading (T2's tcol).
package main

import (
	"os"

	"github.com/t2go/t2go/pkg/cliutil"
	"github.com/t2go/t2go/pkg/iostreams"
	"github.com/t2go/t2go/pkg/tcol"
)

func main() {
	io := iostreams.System()
	os.Exit(cliutil.Execute(tcol.NewCmd(io, nil), io, os.Args[1:], nil))
}
