// Package metrics serves t2's monitoring counters at /metrics in the
// Prometheus text format (github.com/prometheus/client_golang). It knows
// the machine-report columns only by name: each scrape asks its Source
// for one absolute machine-report row, taken by the run control between
// two packet batches like every other report, and turns every column
// into a metric by the rule of MetricName.
package metrics

import (
	"context"
	"errors"
	"fmt"
	"math/bits"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Row is one absolute machine-report row: column names and values as the
// machine report prints them.
type Row struct {
	Columns []string
	Values  []string
}

// Source returns the current row; it may block until the run control has
// taken it, and must give up when ctx ends.
type Source func(ctx context.Context) (Row, error)

// Column kinds.
type kind uint8

const (
	kindCounter kind = iota
	kindGauge
	kindSkip  // not a number (repType) or a label (sensorID)
	kindFlags // bit masks (globalWarn, tcpFlags' aggregates): one gauge per set bit
)

// flagColumns are the machine-report columns that hold OR-ed bit masks
// in hex: flowStat bits (globalWarn) and tcpFlags' aggregated ipFlags,
// tcpFStat, tcpFlags and tcpAnomaly.
var flagColumns = map[string]bool{
	"globalWarn": true, "ipFlags": true, "tcpFStat": true, "tcpFlags": true, "tcpAnomaly": true,
}

// gauges are the machine-report columns that are levels, not counts.
var gauges = map[string]string{
	"time":          "t2_time_seconds",
	"duration":      "t2_duration_seconds",
	"memUsageKB":    "t2_mem_usage_kb",
	"fillSzHashMap": "t2_fill_sz_hash_map",
	"rawBandwidth":  "t2_raw_bandwidth_bits_per_second",
}

func kindOf(col string) kind {
	switch col {
	case "repType", "sensorID":
		return kindSkip
	}
	if flagColumns[col] {
		return kindFlags
	}
	if _, ok := gauges[col]; ok {
		return kindGauge
	}
	return kindCounter
}

// MetricName turns a machine-report column name into a metric name:
// "t2_", then the name with an underscore before each word (a capital
// after a small letter or digit; the last capital of an acronym that a
// small letter follows, except "v4"/"v6"), in lower case, with anything
// but letters, digits and "_" made "_"; counters end in "_total". So
// numAPkts is t2_num_a_pkts_total, ICMPv6Pkts t2_icmpv6_pkts_total,
// 0x0806Pkts t2_0x0806_pkts_total, pktsDrp t2_pkts_drp_total, and the
// levels time, duration, memUsageKB, fillSzHashMap and rawBandwidth are
// the gauges t2_time_seconds, t2_duration_seconds, t2_mem_usage_kb,
// t2_fill_sz_hash_map and t2_raw_bandwidth_bits_per_second. globalWarn
// is t2_global_warn_bit{bit="N"}, 1 for each flowStat bit N that is set.
func MetricName(col string) string {
	if g, ok := gauges[col]; ok {
		return g
	}
	var b strings.Builder
	b.WriteString("t2_")
	isUp := func(c byte) bool { return c >= 'A' && c <= 'Z' }
	isLow := func(c byte) bool { return c >= 'a' && c <= 'z' }
	isDigit := func(c byte) bool { return c >= '0' && c <= '9' }
	for i := 0; i < len(col); i++ {
		c := col[i]
		if i > 0 && isUp(c) {
			p := col[i-1]
			next := byte(0)
			if i+1 < len(col) {
				next = col[i+1]
			}
			versionSuffix := next == 'v' && i+2 < len(col) && isDigit(col[i+2])
			if isLow(p) || isDigit(p) || (isUp(p) && isLow(next) && !versionSuffix) {
				b.WriteByte('_')
			}
		}
		switch {
		case isUp(c):
			b.WriteByte(c + 'a' - 'A')
		case isLow(c) || isDigit(c) || c == '_':
			b.WriteByte(c)
		default:
			b.WriteByte('_')
		}
	}
	switch kindOf(col) {
	case kindCounter:
		b.WriteString("_total")
	case kindFlags:
		b.WriteString("_bit")
	}
	return b.String()
}

// collector turns each scrape into one Source call.
type collector struct {
	src    Source
	labels prometheus.Labels
	up     *prometheus.Desc

	mu    sync.Mutex // concurrent scrapes share the descriptions
	descs map[string]*prometheus.Desc
}

func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	// Unchecked collector: the columns depend on the plugins and are
	// known only from the first row.
	ch <- c.up
}

func (c *collector) desc(col string, extra ...string) *prometheus.Desc {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d, ok := c.descs[col]; ok {
		return d
	}
	help := fmt.Sprintf("t2 machine-report column %s", col)
	d := prometheus.NewDesc(MetricName(col), help, extra, c.labels)
	c.descs[col] = d
	return d
}

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	row, err := c.src(ctx)
	if err != nil || len(row.Columns) != len(row.Values) {
		ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 1)
	for i, col := range row.Columns {
		v := row.Values[i]
		switch kindOf(col) {
		case kindSkip:
			continue
		case kindFlags:
			w, err := strconv.ParseUint(strings.TrimPrefix(v, "0x"), 16, 64)
			if err != nil {
				continue
			}
			d := c.desc(col, "bit")
			for ; w != 0; w &= w - 1 {
				ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, 1, strconv.Itoa(bits.TrailingZeros64(w)))
			}
		default:
			f, ok := parseValue(v)
			if !ok {
				continue
			}
			vt := prometheus.CounterValue
			if kindOf(col) == kindGauge {
				vt = prometheus.GaugeValue
			}
			ch <- prometheus.MustNewConstMetric(c.desc(col), vt, f)
		}
	}
}

// parseValue reads a machine-report number: decimal, float or 0x hex.
func parseValue(v string) (float64, bool) {
	if strings.HasPrefix(v, "0x") {
		n, err := strconv.ParseUint(v[2:], 16, 64)
		return float64(n), err == nil
	}
	f, err := strconv.ParseFloat(v, 64)
	return f, err == nil
}

// Server is the /metrics endpoint of one t2 run.
type Server struct {
	ln   net.Listener
	srv  *http.Server
	done chan error
}

// Listen binds addr ("HOST:PORT") and serves /metrics with the given
// constant labels (sensorID, input). A bad address or a port in use is
// an error now, before the capture starts.
func Listen(addr string, labels map[string]string, src Source) (*Server, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("metrics address %q: want HOST:PORT", addr)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		return nil, fmt.Errorf("metrics address %q: port %q is not in [0 - 65535]", addr, port)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, port))
	if err != nil {
		return nil, fmt.Errorf("metrics address %q: %w", addr, err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(&collector{
		src:    src,
		labels: labels,
		up:     prometheus.NewDesc("t2_up", "1 when t2 answered this scrape with a report row", nil, labels),
		descs:  map[string]*prometheus.Desc{},
	})
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	s := &Server{ln: ln, srv: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}, done: make(chan error, 1)}
	go func() { s.done <- s.srv.Serve(ln) }()
	return s, nil
}

// Addr is the address the server listens on (with the port chosen when
// the address asked for port 0).
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Close stops the server; a scrape in progress may finish for a second.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if serr := <-s.done; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}
