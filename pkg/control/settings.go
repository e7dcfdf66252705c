package control

import (
	"fmt"

	"github.com/t2go/t2go/pkg/config"
)

// settings are the core configuration values the analyzer reads, loaded
// once at start (monitoring ones again on SIGHUP).
type settings struct {
	verbose      int64
	pluginReport bool
	flowTimeout  float64
	hashBase     int64
	autopilot    bool
	numFlwRm     int64
	sensorID     uint32
	promAddr     string // MON_PROM_ADDR / --prom-addr: /metrics server, "" = none
	ethActivate  int64
	snapLen      int
	bufSize      int
	progress     bool
	pollTM       float64
	mfpTimeout   float64
	rrop         bool
	mon          monSettings
}

// monSettings are the monitoring values SIGHUP reloads.
type monSettings struct {
	diff      bool
	machine   bool
	psync     bool
	pcapTime  bool
	startOn   bool
	interval  float64 // MONINTV: pcap-time trigger (and timer without -M)
	timer     float64 // wall-clock timer period: -M, else MONINTV
	gapFill   bool
	protoMode bool
	l2        []uint16
	l3        []uint8
	names     [256]string
}

func (s *settings) load(c *config.Config, opt Options) error {
	s.verbose = c.Int(core, "VERBOSE")
	s.pluginReport = c.Bool(core, "PLUGIN_REPORT")
	s.flowTimeout = c.Float(core, "FLOW_TIMEOUT")
	s.hashBase = c.Int(core, "HASHCHAINTABLE_BASE_SIZE")
	s.autopilot = c.Bool(core, "HASH_AUTOPILOT")
	s.numFlwRm = c.Int(core, "NUMFLWRM")
	s.sensorID = uint32(c.Int(core, "T2_SENSORID"))
	if opt.SensorID >= 0 {
		s.sensorID = uint32(opt.SensorID)
	}
	s.ethActivate = c.Int(core, "ETH_ACTIVATE")
	s.snapLen = int(c.Int(core, "SNAPLEN"))
	if opt.SnapLen > 0 {
		s.snapLen = opt.SnapLen
	}
	s.bufSize = int(c.Int(core, "RXBUFSIZE"))
	if opt.BufSize > 0 {
		s.bufSize = opt.BufSize
	}
	s.promAddr = c.String(core, "MON_PROM_ADDR")
	if opt.PromAddr != "" {
		s.promAddr = opt.PromAddr
	}
	s.progress = c.Bool(core, "PROGRESS")
	s.pollTM = float64(c.Int(core, "POLLTM"))
	s.mfpTimeout = float64(c.Int(core, "MFPTMOUT"))
	s.rrop = c.Bool(core, "RROP")
	if s.hashBase < 1 {
		return fmt.Errorf("config: HASHCHAINTABLE_BASE_SIZE must be at least 1, got %d", s.hashBase)
	}
	return s.mon.load(c, opt)
}

func (m *monSettings) load(c *config.Config, opt Options) error {
	m.diff = c.Bool(core, "DIFF_REPORT")
	m.machine = c.Bool(core, "MACHINE_REPORT")
	m.psync = c.Bool(core, "MONINTPSYNC")
	m.pcapTime = c.Bool(core, "MONINTTMPCP")
	m.startOn = c.Bool(core, "MONINTTMPCP_ON")
	m.interval = c.Float(core, "MONINTV")
	m.timer = m.interval
	// As in T2, -M sets the wall-clock timer only; the pcap-time trigger
	// keeps MONINTV.
	if opt.MonInterval >= 0 {
		m.timer = opt.MonInterval
	}
	m.gapFill = c.Bool(core, "MONGAPFILL")
	m.protoMode = c.Bool(core, "MONPROTMD")
	l2, err := config.ParseProtoList("MONPROTL2", c.Strings(core, "MONPROTL2"))
	if err != nil {
		return err
	}
	m.l2 = l2
	l3, err := config.ParseProtoList("MONPROTL3", c.Strings(core, "MONPROTL3"))
	if err != nil {
		return err
	}
	m.l3 = m.l3[:0]
	for _, p := range l3 {
		if p > 255 {
			return fmt.Errorf("config: MONPROTL3 entry %d is not an IP protocol number (0-255)", p)
		}
		m.l3 = append(m.l3, uint8(p))
	}
	if m.machine && m.protoMode {
		names, err := c.ProtoNames()
		if err != nil {
			return err
		}
		m.names = names
	}
	return nil
}
