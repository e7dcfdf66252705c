// Command t2build chooses the active t2 plugins and checks the
// configuration (the counterpart of T2's t2build/autogen.sh).
package main

import (
	"os"

	"github.com/t2go/t2go/pkg/cliutil"
	"github.com/t2go/t2go/pkg/iostreams"
	"github.com/t2go/t2go/pkg/t2build"
)

func main() {
	io := iostreams.System()
	os.Exit(cliutil.Execute(t2build.NewCmd(io, nil), io, os.Args[1:], t2build.NormalizeArgs))
}
