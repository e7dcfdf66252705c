// Package rrddb is one round-robin database file, reached either in process
// through librrd (github.com/ziutek/rrd) or through an rrdcached daemon
// (package rrdcached). Both give the same operations: describe, create,
// update in batches, flush.
package rrddb

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/t2go/t2go/pkg/t2rrd/outfile"
	"github.com/t2go/t2go/pkg/t2rrd/rrdcached"
	"github.com/ziutek/rrd"
)

// ErrNotExist is returned by Info when the database file does not exist.
var ErrNotExist = fs.ErrNotExist

// DS describes one data source.
type DS struct {
	Name      string
	Type      string
	Heartbeat uint
	Min, Max  float64 // NaN when unknown
}

// RRA describes one round-robin archive.
type RRA struct {
	CF        string
	Rows      uint
	PDPPerRow uint
}

// Info is what t2rrd needs to know about an existing database.
type Info struct {
	File       string
	Step       uint
	LastUpdate int64
	DS         []DS // in database order
	RRAs       []RRA
}

// Names returns the data source names in database order.
func (i *Info) Names() []string {
	n := make([]string, len(i.DS))
	for k, d := range i.DS {
		n[k] = d.Name
	}
	return n
}

// First returns the time of the oldest row of the first archive, computed
// the way `rrdtool first` does: the last update rounded down to the
// archive's resolution, minus (rows-1) resolutions.
func (i *Info) First() int64 {
	if len(i.RRAs) == 0 || i.Step == 0 {
		return i.LastUpdate
	}
	res := int64(i.RRAs[0].PDPPerRow) * int64(i.Step)
	if res <= 0 {
		return i.LastUpdate
	}
	return i.LastUpdate - i.LastUpdate%res - int64(i.RRAs[0].Rows-1)*res
}

// Update is one row to store: its time in milliseconds since the epoch and
// the rrdupdate argument `sec.mmm:v1:v2:...` in database DS order.
type Update struct {
	Millis int64
	Arg    string
}

// Rejected is an update the RRD library or daemon refused.
type Rejected struct {
	Index   int // into the slice given to DB.Update
	Message string
}

// DB is one database file.
type DB interface {
	// File is the database name as given.
	File() string
	// Info describes the database; errors wrap ErrNotExist when it is missing.
	Info() (*Info, error)
	// Create (re)creates the database. The definitions are rrdcreate's
	// DS:... and RRA:... arguments. In process, an existing file is
	// replaced only once Update stored a row in the new one; through
	// rrdcached (which has no rename) at once.
	Create(start int64, step uint, defs []string) error
	// Update stores rows in order and reports the rows refused; a non-nil
	// error means the database itself failed (none of the remaining rows
	// can be stored).
	Update(rows []Update) ([]Rejected, error)
	// Flush makes all stored rows visible in the file.
	Flush() error
	// Daemon is the rrdcached address, "" for in-process access.
	Daemon() string
	Close() error
}

// Open returns the database file, through rrdcached when daemon is not
// empty. It does not touch the file. ctx ends waits on the daemon.
func Open(ctx context.Context, file, daemon string) (DB, error) {
	if daemon == "" {
		return &local{file: file}, nil
	}
	c, err := rrdcached.Dial(ctx, daemon)
	if err != nil {
		return nil, err
	}
	return &remote{file: file, addr: daemon, c: c}, nil
}

// local uses librrd in this process.
type local struct {
	file string
	// staged is the new database Create built next to the file; it
	// replaces the file once a row is stored in it (see Create).
	staged, target string
	upd            *rrd.Updater
	last           int64 // last update time, known once upd is set
}

func (l *local) File() string   { return l.file }
func (l *local) Daemon() string { return "" }
func (l *local) Flush() error   { return nil }

// Close drops a staged database that never got a row: the old file stays.
func (l *local) Close() error {
	if l.staged != "" {
		os.Remove(l.staged)
		l.staged = ""
	}
	return nil
}

// path is the file updates go to: the staged one until it holds a row.
func (l *local) path() string {
	if l.staged != "" {
		return l.staged
	}
	return l.file
}

func (l *local) Info() (*Info, error) {
	st, err := os.Stat(l.file)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", l.file)
	}
	m, err := rrd.Info(l.file)
	if err != nil {
		return nil, fmt.Errorf("%s is not a valid RRD file: %v", l.file, err)
	}
	return infoFromLibrrd(l.file, m)
}

func infoFromLibrrd(file string, m map[string]interface{}) (*Info, error) {
	inf := &Info{File: file}
	bad := fmt.Errorf("%s is not a valid RRD file (incomplete info)", file)
	step, ok := m["step"].(uint)
	if !ok {
		return nil, bad
	}
	inf.Step = step
	last, ok := m["last_update"].(uint)
	if !ok {
		return nil, bad
	}
	inf.LastUpdate = int64(last)
	idx, _ := m["ds.index"].(map[string]interface{})
	types, _ := m["ds.type"].(map[string]interface{})
	hbs, _ := m["ds.minimal_heartbeat"].(map[string]interface{})
	mins, _ := m["ds.min"].(map[string]interface{})
	maxs, _ := m["ds.max"].(map[string]interface{})
	for name, v := range idx {
		i, _ := v.(uint)
		d := DS{Name: name, Min: math.NaN(), Max: math.NaN()}
		d.Type, _ = types[name].(string)
		d.Heartbeat, _ = hbs[name].(uint)
		if f, ok := mins[name].(float64); ok {
			d.Min = f
		}
		if f, ok := maxs[name].(float64); ok {
			d.Max = f
		}
		for uint(len(inf.DS)) <= i {
			inf.DS = append(inf.DS, DS{})
		}
		inf.DS[i] = d
	}
	cfs, _ := m["rra.cf"].([]interface{})
	rows, _ := m["rra.rows"].([]interface{})
	pdps, _ := m["rra.pdp_per_row"].([]interface{})
	for k := range cfs {
		r := RRA{}
		r.CF, _ = cfs[k].(string)
		if k < len(rows) {
			r.Rows, _ = rows[k].(uint)
		}
		if k < len(pdps) {
			r.PDPPerRow, _ = pdps[k].(uint)
		}
		inf.RRAs = append(inf.RRAs, r)
	}
	if len(inf.DS) == 0 {
		return nil, fmt.Errorf("%s is not a valid RRD file (no data sources)", file)
	}
	return inf, nil
}

// Create builds the new database next to the file (outfile.Temp) and
// keeps it staged: Update stores into it and renames it over the file
// once it holds a row, so a reader (t2rrd -L, a plot) never sees a
// half-written database and a feed that stores nothing leaves the old one
// intact (Close removes the staged file).
func (l *local) Create(start int64, step uint, defs []string) error {
	target, err := outfile.Target(l.file)
	if err != nil {
		return fmt.Errorf("create %s: %w", l.file, err)
	}
	tmpName, err := outfile.Temp(target)
	if err != nil {
		return fmt.Errorf("create %s: %w", l.file, err)
	}
	ok := false
	defer func() {
		if !ok {
			os.Remove(tmpName)
		}
	}()
	c := rrd.NewCreator(tmpName, time.Unix(start, 0), step)
	for _, d := range defs {
		parts := strings.SplitN(d, ":", 3)
		if len(parts) != 3 {
			return fmt.Errorf("create %s: bad definition %q", l.file, d)
		}
		switch parts[0] {
		case "DS":
			name, rest, _ := strings.Cut(parts[2], ":")
			c.DS(parts[1], name, rest)
		case "RRA":
			c.RRA(parts[1], parts[2])
		default:
			return fmt.Errorf("create %s: bad definition %q", l.file, d)
		}
	}
	if err := c.Create(true); err != nil {
		return fmt.Errorf("create %s: %w", l.file, err)
	}
	ok = true
	if l.staged != "" {
		os.Remove(l.staged)
	}
	l.staged, l.target = tmpName, target
	l.upd = nil
	return nil
}

// commit puts a staged database that now holds rows in place.
func (l *local) commit() error {
	if l.staged == "" {
		return nil
	}
	tmp := l.staged
	l.staged = ""
	l.upd = nil // the updater names the staged path
	if err := outfile.Commit(tmp, l.target); err != nil {
		return fmt.Errorf("create %s: %w", l.file, err)
	}
	return nil
}

// Update hands the rows to librrd in one call (one open/lock/write of the
// file for the whole batch). librrd applies the arguments in order and
// stops at the first one it refuses, keeping those before it. Callers
// check rows beforehand so that does not happen; if it does anyway, the
// stored prefix is found from the new last update time and the rest is
// retried row by row, so the good rows are kept and each bad one reported.
func (l *local) Update(rows []Update) ([]Rejected, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	rej, err := l.update(rows)
	if err == nil && len(rej) < len(rows) {
		err = l.commit()
	}
	return rej, err
}

func (l *local) update(rows []Update) ([]Rejected, error) {
	if l.upd == nil {
		if l.staged == "" {
			// librrd opens the file itself, following links.
			if err := outfile.CheckWritable(l.file); err != nil {
				return nil, fmt.Errorf("update %s: %w", l.file, err)
			}
		}
		l.upd = rrd.NewUpdater(l.path())
		m, err := rrd.Info(l.path())
		if err != nil {
			return nil, fmt.Errorf("update %s: %v", l.file, err)
		}
		last, _ := m["last_update"].(uint)
		l.last = int64(last)
	}
	for _, r := range rows {
		l.upd.Cache(r.Arg)
	}
	err := l.upd.Update()
	if err == nil {
		l.last = rows[len(rows)-1].Millis / 1000
		return nil, nil
	}
	m, ierr := rrd.Info(l.path())
	if ierr != nil {
		return nil, fmt.Errorf("update %s: %v (and info: %v)", l.file, err, ierr)
	}
	lastU, _ := m["last_update"].(uint)
	last := int64(lastU)
	// The stored prefix: increasing times after the previous last update,
	// up to the new one.
	k, prev := 0, l.last
	for k < len(rows) {
		sec := rows[k].Millis / 1000
		if sec <= prev || sec > last {
			break
		}
		prev = sec
		k++
	}
	l.last = last
	var rej []Rejected
	for i := k; i < len(rows); i++ {
		if uerr := l.upd.Update(rows[i].Arg); uerr != nil {
			if _, serr := os.Stat(l.path()); serr != nil {
				return rej, fmt.Errorf("update %s: %w", l.file, serr)
			}
			rej = append(rej, Rejected{Index: i, Message: uerr.Error()})
			continue
		}
		l.last = rows[i].Millis / 1000
	}
	return rej, nil
}

// remote goes through rrdcached.
type remote struct {
	file string
	addr string
	c    *rrdcached.Client
}

func (r *remote) File() string   { return r.file }
func (r *remote) Daemon() string { return r.addr }
func (r *remote) Close() error   { return r.c.Close() }
func (r *remote) Flush() error   { return r.c.Flush(r.file) }

func (r *remote) Info() (*Info, error) {
	lines, err := r.c.Info(r.file)
	if err != nil {
		var de *rrdcached.Error
		if errors.As(err, &de) && strings.Contains(strings.ToLower(de.Message), "no such file") {
			return nil, fmt.Errorf("%s (via rrdcached %s): %w", r.file, r.addr, ErrNotExist)
		}
		return nil, fmt.Errorf("%s (via rrdcached %s): %w", r.file, r.addr, err)
	}
	return infoFromLines(r.file, lines)
}

func infoFromLines(file string, lines []rrdcached.InfoLine) (*Info, error) {
	inf := &Info{File: file}
	ds := map[string]*DS{}
	dsIdx := map[string]int{}
	rras := map[int]*RRA{}
	getDS := func(n string) *DS {
		if ds[n] == nil {
			ds[n] = &DS{Name: n, Min: math.NaN(), Max: math.NaN()}
		}
		return ds[n]
	}
	for _, l := range lines {
		v := strings.Trim(l.Value, `"`)
		switch {
		case l.Key == "step":
			s, _ := strconv.ParseUint(v, 10, 32)
			inf.Step = uint(s)
		case l.Key == "last_update":
			inf.LastUpdate, _ = strconv.ParseInt(v, 10, 64)
		case strings.HasPrefix(l.Key, "ds["):
			name, field, ok := strings.Cut(l.Key[3:], "].")
			if !ok {
				continue
			}
			d := getDS(name)
			switch field {
			case "index":
				dsIdx[name], _ = strconv.Atoi(v)
			case "type":
				d.Type = v
			case "minimal_heartbeat":
				h, _ := strconv.ParseUint(v, 10, 32)
				d.Heartbeat = uint(h)
			case "min":
				d.Min, _ = strconv.ParseFloat(v, 64)
			case "max":
				d.Max, _ = strconv.ParseFloat(v, 64)
			}
		case strings.HasPrefix(l.Key, "rra["):
			numStr, field, ok := strings.Cut(l.Key[4:], "].")
			if !ok {
				continue
			}
			n, err := strconv.Atoi(numStr)
			if err != nil {
				continue
			}
			if rras[n] == nil {
				rras[n] = &RRA{}
			}
			switch field {
			case "cf":
				rras[n].CF = v
			case "rows":
				x, _ := strconv.ParseUint(v, 10, 32)
				rras[n].Rows = uint(x)
			case "pdp_per_row":
				x, _ := strconv.ParseUint(v, 10, 32)
				rras[n].PDPPerRow = uint(x)
			}
		}
	}
	names := make([]string, 0, len(ds))
	for n := range ds {
		names = append(names, n)
	}
	sort.Slice(names, func(a, b int) bool { return dsIdx[names[a]] < dsIdx[names[b]] })
	for _, n := range names {
		inf.DS = append(inf.DS, *ds[n])
	}
	for k := 0; k < len(rras); k++ {
		if rras[k] != nil {
			inf.RRAs = append(inf.RRAs, *rras[k])
		}
	}
	if inf.Step == 0 || len(inf.DS) == 0 {
		return nil, fmt.Errorf("%s is not a valid RRD file", file)
	}
	return inf, nil
}

func (r *remote) Create(start int64, step uint, defs []string) error {
	// rrdcached writes the file itself (completely, before answering).
	if err := r.c.Create(r.file, start, step, true, defs); err != nil {
		return fmt.Errorf("create %s via rrdcached %s: %w", r.file, r.addr, err)
	}
	return nil
}

func (r *remote) Update(rows []Update) ([]Rejected, error) {
	vals := make([]string, len(rows))
	for i, u := range rows {
		vals[i] = u.Arg
	}
	errs, err := r.c.Batch(r.file, vals)
	if err != nil {
		return nil, fmt.Errorf("update %s via rrdcached %s: %w", r.file, r.addr, err)
	}
	rej := make([]Rejected, 0, len(errs))
	for _, e := range errs {
		rej = append(rej, Rejected{Index: e.Index, Message: e.Message})
	}
	return rej, nil
}
