// Command t2 is the network flow analyzer: the Go counterpart of
// Tranalyzer2's tranalyzer binary.
package main

import (
	"fmt"
	"os"
	"runtime/pprof"
	"runtime/trace"

	"github.com/t2go/t2go/pkg/cliutil"
	"github.com/t2go/t2go/pkg/control"
	"github.com/t2go/t2go/pkg/iostreams"
	"github.com/t2go/t2go/pkg/t2cmd"
)

func main() {
	// Subscribe to signals before anything is printed, so an early
	// USR1/USR2 never kills t2.
	sig := control.Subscribe()
	io := iostreams.System()
	// T2_CPUPROFILE=FILE writes a CPU profile of the run (for performance
	// work; see bench/).
	if path := os.Getenv("T2_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			fmt.Fprintf(io.ErrOut, "[ERR] T2_CPUPROFILE: %v\n", err)
			os.Exit(1)
		}
		pprof.StartCPUProfile(f)
		defer f.Close()
	}
	// T2_TRACE=FILE writes an execution trace (go tool trace FILE): which
	// goroutine ran or waited when.
	if path := os.Getenv("T2_TRACE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			fmt.Fprintf(io.ErrOut, "[ERR] T2_TRACE: %v\n", err)
			os.Exit(1)
		}
		if err := trace.Start(f); err != nil {
			fmt.Fprintf(io.ErrOut, "[ERR] T2_TRACE: %v\n", err)
			os.Exit(1)
		}
		defer f.Close()
	}
	cmd := t2cmd.NewCommand(io, sig)
	// -V/--version: T2's line, then the suite's version and commit.
	cmd.Version = cliutil.Version()
	cmd.SetVersionTemplate(fmt.Sprintf("Tranalyzer %s (Anteater) [%s]\n%s\n", control.Version, control.Codename, cliutil.VersionLine("t2")))
	err := cmd.Execute()
	pprof.StopCPUProfile()
	trace.Stop()
	os.Exit(cliutil.ExitCode("t2", err, io.ErrOut))
}
