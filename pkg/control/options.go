package control

import (
	"io"

	"github.com/t2go/t2go/pkg/config"
	"github.com/t2go/t2go/pkg/plugin"
)

// Input kinds (-r, -R, -D, -i).
const (
	InputFile = iota
	InputList
	InputSeries
	InputLive
)

// Options is the parsed command line.
type Options struct {
	InputKind int
	Input     string // file ("-" = stdin), list file, -D spec or interface

	Prefix      string // -w/-W prefix ("" = derive from the input)
	FlowsStdout bool   // -w -
	Split       plugin.SplitSpec
	LogFile     bool // -l
	MonFile     bool // -m
	PacketMode  bool // -s

	SensorID    int64   // -x (-1 = config T2_SENSORID)
	HashFactor  int     // -f (>= 1)
	BPF         string  // trailing words or -F file
	MonInterval float64 // -M seconds (< 0 = config MONINTV)
	SnapLen     int     // -S (0 = config)
	BufSize     int     // -B (0 = config)
	PluginList  string  // -b FILE instead of plugins.txt
	Workers     int     // -j: packet workers on a live interface (0 = config WORKERS)
	PromAddr    string  // --prom-addr HOST:PORT ("" = config MON_PROM_ADDR)

	Config  *config.Config
	Signals *Signals // signal subscription, started before any output

	Stdout, Stderr io.Writer
	StdoutTTY      bool // colours / progress only on terminals
	StderrTTY      bool
	NoColor        bool // NO_COLOR set
	CommandLine    string
	PreBanner      []string // [INF] lines printed before the banner (-c)
	CPUBound       bool     // -c was given
	CPU            int      // -c: core t2 is bound to (0-based)
	CPUs           []int    // -c with several cores (0-based): one per worker
	WarnRoot       bool     // print T2's warning about root on a capture file
}
