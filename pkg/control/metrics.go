package control

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/t2go/t2go/pkg/metrics"
	"github.com/t2go/t2go/pkg/report"
)

// errNotRunning answers a scrape that comes while the loop does not run
// (before the first batch is awaited, while the last flows are released).
var errNotRunning = errors.New("t2 is not in its packet loop")

// startMetrics starts the /metrics server when MON_PROM_ADDR (or
// --prom-addr) asks for one. Each scrape is a request to the loop, which
// answers between two batches with an absolute machine-report row, so
// the packet path never waits for a scrape and the numbers are never torn.
func (r *Run) startMetrics() error {
	if r.cfg.promAddr == "" {
		return nil
	}
	r.metricsReq = make(chan chan metrics.Row)
	labels := map[string]string{
		"sensorID": strconv.FormatUint(uint64(r.cfg.sensorID), 10),
		"input":    r.opt.Input,
	}
	srv, err := metrics.Listen(r.cfg.promAddr, labels, r.metricsSource)
	if err != nil {
		return errors.New("MON_PROM_ADDR: " + err.Error())
	}
	r.metricsSrv = srv
	r.repW.Info("Prometheus metrics at http://%s/metrics", srv.Addr())
	return nil
}

func (r *Run) stopMetrics() {
	if r.metricsSrv != nil {
		r.metricsSrv.Close()
		r.metricsSrv = nil
	}
}

// metricsSource runs on the HTTP server's goroutine: it hands the loop a
// reply channel and waits for the row.
func (r *Run) metricsSource(ctx context.Context) (metrics.Row, error) {
	reply := make(chan metrics.Row, 1)
	select {
	case r.metricsReq <- reply:
	case <-ctx.Done():
		return metrics.Row{}, errNotRunning
	}
	select {
	case row := <-reply:
		return row, nil
	case <-ctx.Done():
		return metrics.Row{}, ctx.Err()
	}
}

// metricsRow is an absolute machine-report row (whatever DIFF_REPORT
// says: Prometheus wants counters that only grow), taken on the loop's
// goroutine like every report.
func (r *Run) metricsRow() metrics.Row {
	s := r.reportState(false)
	s.Diff = false
	hdr := strings.TrimPrefix(report.MachineHeader(s), "%")
	w := &r.promRec
	w.Reset()
	report.AppendMachineRow(w, s)
	return metrics.Row{
		Columns: strings.Split(hdr, "\t"),
		Values:  strings.Split(string(w.Bytes()), "\t"),
	}
}
