// Package feed stores a t2 machine-report stream in a round-robin
// database: `t2 -l | t2rrd -m`. It creates the database from the stream's
// header, detects the report interval, and writes rows in batches through
// librrd in process or through rrdcached.
//
// Odd input is handled on purpose and counted, never fatal: text lines
// (human reports, banners), blank lines, rows before the header, rows with
// the wrong number of fields or an unreadable or impossible time, rows not
// newer than the previous one, non-numeric values. What stops the feed: a
// header that changes the columns mid-stream (the database keeps the
// first layout), more than MaxSources data columns, and, without -k, a
// file at the database path that is no RRD database (never replaced).
package feed

import (
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/t2go/t2go/pkg/machinereport"
	"github.com/t2go/t2go/pkg/t2rrd/rrddb"
)

// HeartbeatFactor times the step is the default heartbeat: a row that
// comes more than this many report intervals after the previous one (a
// pcap-time gap, a stalled sensor) leaves the gap unknown in RRD instead
// of stretching the value over it.
const HeartbeatFactor = 10

// detectRows is how many rows are read before the step is chosen (see
// detectStep).
const detectRows = 4

// maxBatch bounds the rows handed to the database in one update call.
const maxBatch = 5000

// Options configures a feed.
type Options struct {
	// Keep appends to an existing database (its data sources must match
	// the stream's); without it the database is created anew. A missing
	// database is always created.
	Keep bool
	// Step forces the RRD step in seconds; 0 detects it from the rows.
	Step uint
	// Heartbeat forces the DS heartbeat in seconds; 0 means
	// HeartbeatFactor × step.
	Heartbeat uint
}

// ErrHeaderChanged is returned (wrapped) when a header with other columns
// appears mid-stream.
var ErrHeaderChanged = errors.New("header changed mid-stream")

// Count is a number of lines with the line number of the first one.
type Count struct {
	N     int
	First int
}

func (c *Count) add(line int) {
	if c.N == 0 {
		c.First = line
	}
	c.N++
}

// Summary tells what a feed did with its input.
type Summary struct {
	DB        string
	Created   bool // a new database was created (else appended with -k)
	Sources   []Source
	Step      uint
	Heartbeat uint
	Lines     int
	Stored    int // rows written to the database
	FirstTime int64
	LastTime  int64

	Headers      int   // header lines (first one included)
	Blank        Count // empty lines
	Text         Count // lines that are not machine-report lines
	TooLong      Count // lines over machinereport.MaxLineLen
	BeforeHeader Count // rows before any header
	Malformed    Count // field count does not match the header
	BadTime      Count // time field unreadable
	Impossible   Count // time before MinTime or after MaxTime
	NotNewer     Count // time not after the previous stored row: skipped
	SameSecond   Count // skipped: rounds to the second of the previous row
	Shifted      Count // stored one second later than rounding says (see feeder.second)
	FTPExtra     Count // T2 0.9.3 ftpDecode's unnamed third value dropped
	BadValues    Count // rows with values that are not numbers (stored as unknown)
	Gaps         Count // rows after a gap longer than the heartbeat
	Rejected     Count // refused by librrd / rrdcached
	RejectReason string
}

// Feed reads a machine-report stream from r into db. It returns the
// summary (also on error, describing what was done so far). An error means
// the feed could not do its job: no header, no row stored, a database
// error, or a header that changes the columns (ErrHeaderChanged).
func Feed(r io.Reader, db rrddb.DB, opt Options) (*Summary, error) {
	f := &feeder{db: db, opt: opt, sum: &Summary{DB: db.File()}, last: math.MinInt64}
	err := f.run(r)
	return f.sum, err
}

type pendingRow struct {
	millis int64
	line   int
}

type feeder struct {
	db  rrddb.DB
	opt Options
	sum *Summary

	schema  *machinereport.Schema
	sources []Source
	// cols[i] is the header column feeding the i-th DS of the database.
	cols    []int
	isCount []bool
	ready   bool // database exists with a known layout: rows can be written

	keepInfo  *rrddb.Info // the existing database when appending
	existed   bool        // an RRD database was at the path before
	badHeader error       // why the first unusable '%' line was refused

	pending    []rrddb.Update
	plines     []int
	last       int64 // second of the last accepted row
	lastMillis int64 // its real time in milliseconds
	lineNum    int
	prevOut    int64 // millis of the last row handed to the database
	buf        strings.Builder
}

func (f *feeder) run(r io.Reader) error {
	inf, err := f.db.Info()
	switch {
	case err == nil:
		f.existed = true
		if f.opt.Keep {
			f.keepInfo = inf
		}
	case errors.Is(err, rrddb.ErrNotExist):
	case f.opt.Keep:
		return fmt.Errorf("-k: %w", err)
	default:
		// Only an RRD database is replaced: anything else at the -d path
		// (a capture, a flow file, a directory) is someone's data.
		return fmt.Errorf("%w; refusing to replace it: remove it or choose another name with -d", err)
	}
	sc := machinereport.NewScanner(r)
	for sc.Scan() {
		ln := sc.Line()
		f.sum.Lines++
		if err := f.line(ln); err != nil {
			if ferr := f.flush(true); ferr != nil {
				return errors.Join(err, ferr)
			}
			return err
		}
		if !sc.Buffered() {
			// Nothing more is waiting: write now so a live pipe shows up
			// in the database row by row.
			if err := f.flush(false); err != nil {
				return err
			}
		}
	}
	if err := f.flush(true); err != nil {
		return err
	}
	if err := f.db.Flush(); err != nil {
		return err
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading input: %w", err)
	}
	switch {
	case f.sum.Headers == 0 && f.badHeader != nil:
		return f.badHeader
	case f.sum.Headers == 0:
		return errors.New("no machine-report header (a line starting with '%') in the input: run t2 with MACHINE_REPORT=1 and send its monitoring output here (st2 -i IF -l | t2rrd -m)")
	case f.sum.Stored == 0 && f.existed && f.db.Daemon() == "":
		f.sum.Created = false // the staged database is dropped
		return fmt.Errorf("%s: no report row stored (%d lines read, see the counts above); the existing database is unchanged", f.db.File(), f.sum.Lines)
	case f.sum.Stored == 0:
		return fmt.Errorf("%s: no report row stored (%d lines read, see the counts above)", f.db.File(), f.sum.Lines)
	}
	return nil
}

func (f *feeder) line(ln machinereport.Line) error {
	switch ln.Kind {
	case machinereport.Blank:
		f.sum.Blank.add(ln.Num)
	case machinereport.Text:
		f.sum.Text.add(ln.Num)
	case machinereport.TooLong:
		f.sum.TooLong.add(ln.Num)
	case machinereport.Header:
		return f.header(ln)
	case machinereport.Row:
		return f.row(ln)
	}
	return nil
}

func (f *feeder) header(ln machinereport.Line) error {
	s, err := machinereport.NewSchema(ln.Fields)
	if err != nil {
		// A '%' line that is no usable header (no time column, ...) is
		// counted with the other non-report lines; if no usable header
		// ever comes, the error says why this one was refused.
		f.sum.Text.add(ln.Num)
		if f.badHeader == nil {
			f.badHeader = fmt.Errorf("line %d: unusable header: %w", ln.Num, err)
		}
		return nil
	}
	f.sum.Headers++
	if f.schema == nil {
		f.schema = s
		return nil
	}
	if s.Equal(f.schema) {
		return nil // t2 restarted with the same columns, or a repeat
	}
	return fmt.Errorf("line %d: %w: the new header has other columns than the first one (t2 restarted with other settings?); stopped here, %s keeps the first layout; send the new stream to another database with -d NAME", ln.Num, ErrHeaderChanged, f.db.File())
}

func (f *feeder) row(ln machinereport.Line) error {
	f.lineNum = ln.Num
	if f.schema == nil {
		f.sum.BeforeHeader.add(ln.Num)
		return nil
	}
	fields, extra, ok := f.schema.Fit(ln.Fields)
	if !ok {
		f.sum.Malformed.add(ln.Num)
		return nil
	}
	t, err := machinereport.ParseTime(fields[f.schema.Time])
	if err != nil {
		f.sum.BadTime.add(ln.Num)
		return nil
	}
	if t.Sec < MinTime || t.Sec > MaxTime {
		// A zeroed or corrupt time: storing it would move the database's
		// last update, and every later (real) row would be refused as
		// older.
		f.sum.Impossible.add(ln.Num)
		return nil
	}
	if f.sources == nil {
		if err := f.layout(fields); err != nil {
			return fmt.Errorf("line %d: %w", ln.Num, err)
		}
	}
	sec, ok := f.second(t)
	if !ok {
		return nil
	}
	if extra > 0 {
		f.sum.FTPExtra.add(ln.Num)
	}
	f.buf.Reset()
	f.buf.WriteString(strconv.FormatInt(sec, 10))
	bad := false
	for i, c := range f.cols {
		v := fields[c]
		f.buf.WriteByte(':')
		if validValue(v, f.isCount[i]) {
			f.buf.WriteString(v)
		} else {
			f.buf.WriteByte('U')
			bad = true
		}
	}
	if bad {
		f.sum.BadValues.add(ln.Num)
	}
	f.pending = append(f.pending, rrddb.Update{Millis: sec * 1000, Arg: f.buf.String()})
	f.plines = append(f.plines, ln.Num)
	if len(f.pending) >= maxBatch {
		return f.flush(false)
	}
	return nil
}

// second chooses the whole second a row is stored at, or counts why the row
// is skipped.
//
// RRD updates are given whole seconds. librrd accepts fractional times,
// but its time-weighting then goes wrong (a 10 s step fed 36 at x0.5 and
// 50 at x70 reads back 51.25 for the step that only saw 50; checked with
// rrdtool 1.7.2). Times are truncated: t2's pcap-time reports come just
// after a second boundary (x.000339) and so stay on it; rounding would
// push a first report at x.597 onto the next report's second. A row that
// lands on the second of the previous row is moved to the next second when
// its real time is at most 0.5 s before it (report jitter around a second
// boundary with MONINTV=1); otherwise it is skipped: RRD keeps one value
// per second at most.
func (f *feeder) second(t machinereport.Time) (int64, bool) {
	millis := t.Sec*1000 + t.Nsec/1e6
	sec := t.Sec
	if f.last != math.MinInt64 {
		switch {
		case millis <= f.lastMillis:
			f.sum.NotNewer.add(f.lineNum)
			return 0, false
		case sec <= f.last && (f.last+1)*1000-millis <= maxShiftMillis:
			sec = f.last + 1
			f.sum.Shifted.add(f.lineNum)
		case sec <= f.last:
			f.sum.SameSecond.add(f.lineNum)
			return 0, false
		}
	}
	f.last = sec
	f.lastMillis = millis
	return sec, true
}

// MinTime and MaxTime bound the report times stored (seconds since the
// epoch). librrd cannot store a time before 2 (its database must start
// before the first update, and start 0 means "now"); times after year 9999
// are corrupt.
const (
	MinTime = 2
	MaxTime = 253402300799
)

// maxShiftMillis bounds how much later than its real time a row may be
// stored (see feeder.second).
const maxShiftMillis = 500

// layout fixes the data sources at the first row (hex flag columns are
// recognised by their values) and, when appending, matches them to the
// existing database.
func (f *feeder) layout(first []string) error {
	src, err := Sources(f.schema, first)
	if err != nil {
		return err
	}
	f.sources = src
	f.sum.Sources = src
	byName := map[string]Source{}
	for _, s := range src {
		byName[s.Name] = s
	}
	if f.keepInfo == nil {
		for _, s := range src {
			f.cols = append(f.cols, s.Index)
			f.isCount = append(f.isCount, s.Type == "COUNTER")
		}
		return nil
	}
	inf := f.keepInfo
	var missing, unknown []string
	inDB := map[string]bool{}
	for _, d := range inf.DS {
		inDB[d.Name] = true
		s, ok := byName[d.Name]
		if !ok {
			missing = append(missing, d.Name)
			continue
		}
		f.cols = append(f.cols, s.Index)
		f.isCount = append(f.isCount, d.Type == "COUNTER" || d.Type == "DERIVE" || d.Type == "ABSOLUTE")
	}
	for _, s := range src {
		if !inDB[s.Name] {
			unknown = append(unknown, s.Name)
		}
	}
	if len(missing) > 0 || len(unknown) > 0 {
		return fmt.Errorf("-k: the stream's columns do not match %s (not in the stream: %s; not in the database: %s); drop -k to replace it, or use -d NAME for a new database",
			f.db.File(), listOrNone(missing), listOrNone(unknown))
	}
	f.sum.Step = inf.Step
	if len(inf.DS) > 0 {
		f.sum.Heartbeat = inf.DS[0].Heartbeat
	}
	f.last = inf.LastUpdate
	f.lastMillis = inf.LastUpdate * 1000
	f.ready = true
	return nil
}

func listOrNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

// validValue reports whether v is a number librrd will take: a decimal
// number (GAUGE) or an unsigned integer (COUNTER), or U for unknown.
// Hex, inf/nan spellings and garbage are refused here, because one
// refused value makes librrd drop the rest of a batch and rrdcached the
// rest of its queue.
func validValue(v string, counter bool) bool {
	if v == "U" {
		return true
	}
	if counter {
		if v == "" || len(v) > 20 {
			return false
		}
		for i := 0; i < len(v); i++ {
			if v[i] < '0' || v[i] > '9' {
				return false
			}
		}
		return true
	}
	i := 0
	if i < len(v) && (v[i] == '+' || v[i] == '-') {
		i++
	}
	digits := 0
	for i < len(v) && v[i] >= '0' && v[i] <= '9' {
		i++
		digits++
	}
	if i < len(v) && v[i] == '.' {
		i++
		for i < len(v) && v[i] >= '0' && v[i] <= '9' {
			i++
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(v) && (v[i] == 'e' || v[i] == 'E') {
		i++
		if i < len(v) && (v[i] == '+' || v[i] == '-') {
			i++
		}
		exp := 0
		for i < len(v) && v[i] >= '0' && v[i] <= '9' {
			i++
			exp++
		}
		if exp == 0 || exp > 3 {
			return false
		}
	}
	if i != len(v) {
		return false
	}
	_, err := strconv.ParseFloat(v, 64) // out of range (1e400) is refused too
	return err == nil
}

// detectStep chooses the RRD step from the first rows' times: the median
// of the differences between consecutive rows, rounded to whole seconds,
// at least 1. The median ignores one odd interval among the first few
// (a pcap-time gap folded into one long report, an extra USR1 report).
// With a single row it falls back to the row's duration, else 1 s.
func detectStep(millis []int64, firstDuration float64) uint {
	var d []int64
	for i := 1; i < len(millis); i++ {
		if diff := millis[i] - millis[i-1]; diff > 0 {
			d = append(d, diff)
		}
	}
	var sec float64
	if len(d) == 0 {
		sec = firstDuration
	} else {
		sort.Slice(d, func(a, b int) bool { return d[a] < d[b] })
		sec = float64(d[(len(d)-1)/2]) / 1000
	}
	step := math.Round(sec)
	if !(step >= 1) {
		return 1
	}
	if step > 86400 {
		return 86400
	}
	return uint(step)
}

// flush writes pending rows, creating the database first when needed.
// Unless final, creation waits for detectRows rows so the step can be
// detected.
func (f *feeder) flush(final bool) error {
	if len(f.pending) == 0 {
		return nil
	}
	if !f.ready {
		if !final && f.opt.Step == 0 && len(f.pending) < detectRows {
			return nil
		}
		if err := f.create(); err != nil {
			return err
		}
	}
	hbMillis := int64(f.sum.Heartbeat) * 1000
	for i, u := range f.pending {
		if f.prevOut != 0 && hbMillis > 0 && u.Millis-f.prevOut > hbMillis {
			f.sum.Gaps.add(f.plines[i])
		}
		f.prevOut = u.Millis
	}
	rej, err := f.db.Update(f.pending)
	if err != nil {
		return err
	}
	stored := len(f.pending) - len(rej)
	for _, r := range rej {
		line := 0
		if r.Index >= 0 && r.Index < len(f.plines) {
			line = f.plines[r.Index]
		}
		if f.sum.Rejected.N == 0 {
			f.sum.RejectReason = r.Message
		}
		f.sum.Rejected.add(line)
	}
	if stored > 0 {
		if f.sum.Stored == 0 {
			f.sum.FirstTime = f.pending[0].Millis / 1000
		}
		f.sum.LastTime = f.pending[len(f.pending)-1].Millis / 1000
	}
	f.sum.Stored += stored
	f.pending = f.pending[:0]
	f.plines = f.plines[:0]
	return nil
}

func (f *feeder) create() error {
	step := f.opt.Step
	if step == 0 {
		ms := make([]int64, len(f.pending))
		for i, u := range f.pending {
			ms[i] = u.Millis
		}
		step = detectStep(ms, 0)
	}
	hb := f.opt.Heartbeat
	if hb == 0 {
		hb = HeartbeatFactor * step
	}
	if hb < step {
		hb = step
	}
	// The first row reports the interval that ends at its time: start the
	// database one step earlier so that interval is stored too.
	start := max(f.pending[0].Millis/1000-int64(step), MinTime-1)
	if err := f.db.Create(start, step, Definitions(f.sources, hb)); err != nil {
		return err
	}
	f.sum.Created = true
	f.sum.Step = step
	f.sum.Heartbeat = hb
	f.ready = true
	return nil
}

// WriteSummary prints the summary for people, one line per fact, each
// starting with prefix (e.g. "t2rrd: ").
func (s *Summary) WriteSummary(w io.Writer, prefix string) {
	if s.Stored > 0 || s.Created {
		how := "appended to"
		if s.Created {
			how = "created"
		}
		fmt.Fprintf(w, "%s%s: %s, %d rows stored from %d lines read (%d data sources, step %d s, heartbeat %d s)\n",
			prefix, s.DB, how, s.Stored, s.Lines, len(s.Sources), s.Step, s.Heartbeat)
	} else {
		fmt.Fprintf(w, "%s%s: nothing stored, %d lines read\n", prefix, s.DB, s.Lines)
	}
	for _, src := range s.Sources {
		if src.Name != src.Column {
			fmt.Fprintf(w, "%scolumn %q is stored as data source %q (RRD names are at most 19 characters of [a-zA-Z0-9_])\n", prefix, src.Column, src.Name)
		}
	}
	report := func(c Count, what string) {
		if c.N == 0 {
			return
		}
		fmt.Fprintf(w, "%s%d %s (first at line %d)\n", prefix, c.N, what, c.First)
	}
	if s.Headers > 1 {
		fmt.Fprintf(w, "%s%d repeated identical headers ignored\n", prefix, s.Headers-1)
	}
	report(s.Text, "text lines skipped (human reports, banners: not machine-report rows)")
	report(s.Blank, "blank lines skipped")
	report(s.TooLong, "over-long lines skipped")
	report(s.BeforeHeader, "rows before the first header skipped")
	report(s.Malformed, "rows skipped: number of fields does not match the header")
	report(s.BadTime, "rows skipped: unreadable time")
	report(s.Impossible, "rows skipped: impossible time (before 1970-01-01 00:00:02 or after year 9999)")
	report(s.NotNewer, "rows skipped: time not after the previous row")
	report(s.SameSecond, "rows skipped: same second as the previous row (RRD keeps one value per second)")
	report(s.Shifted, "rows stored at the second after the previous row (at most 0.5 s after their real time)")
	report(s.FTPExtra, "rows carried T2 0.9.3's extra ftpDecode value (ftpDataBytes, no header name): dropped")
	report(s.BadValues, "rows had values that are not numbers: stored as unknown")
	report(s.Gaps, fmt.Sprintf("rows came after a gap longer than the %d s heartbeat: the gap is unknown in RRD", s.Heartbeat))
	if s.Rejected.N > 0 {
		fmt.Fprintf(w, "%s%d rows refused by RRD (first at line %d: %s)\n", prefix, s.Rejected.N, s.Rejected.First, s.RejectReason)
	}
}
