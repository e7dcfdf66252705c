// Package plot draws t2rrd's plots from a monitoring database with
// librrd's grapher (github.com/ziutek/rrd) in process, and formats t2rrd's
// field list (-L) and database info (-I).
//
// The graph is T2's: FIELD1 as a blue area with Last/Avg/Min/Max legends,
// an optional FIELD2 as a red area drawn below the axis (negated) while
// its legends show the positive values, optional Holt-Winters bands with
// failure ticks (-f) and a trend line (-t), and the anteater banner.
package plot

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/t2go/t2go/pkg/t2rrd/feed"
	"github.com/t2go/t2go/pkg/t2rrd/outfile"
	"github.com/t2go/t2go/pkg/t2rrd/rrddb"
	"github.com/ziutek/rrd"
)

// Options describe one plot.
type Options struct {
	Field1, Field2 string
	PNG            string // default FIELD1[_FIELD2].png
	Width, Height  uint   // whole image, default 640x480
	Start, End     string // -s, -e ("" = not given)
	Interval       int64  // seconds, default 600
	All            bool   // -a
	HoltWinters    bool   // -f
	TrendHours     float64
	Log            bool
	Upper, Lower   *float64
	NoBanner       bool
}

// Colours of T2's plot.
const (
	colorField1 = "48C4EC"
	colorField2 = "EA644A"
	colorFail   = "ECD748"
	colorBand   = "000000"
	colorTrend  = "CC3118"
)

var banner = []string{
	"         @      @         ",
	"          |    |          ",
	"====vVv==(a    a)==vVv====",
	"==========\\    /==========",
	"===========\\  /===========",
	"            oo            ",
	"",
	"No ants were (h)armed in the making of this chart",
}

// ResolveField finds the data source for a field name given on the command
// line: the exact DS name, or the name a long column was shortened to
// (feed.DSName). An unknown field is an error listing the fields.
func ResolveField(field string, names []string) (string, error) {
	for _, n := range names {
		if n == field {
			return n, nil
		}
	}
	short := feed.DSName(field)
	for _, n := range names {
		if n == short {
			return n, nil
		}
	}
	return "", fmt.Errorf("field '%s' does not exist; the database has: %s", field, strings.Join(names, " "))
}

// DefaultPNG is T2's default file name: FIELD1.png or FIELD1_FIELD2.png.
func DefaultPNG(f1, f2 string) string {
	if f2 == "" {
		return f1 + ".png"
	}
	return f1 + "_" + f2 + ".png"
}

// escape protects colons in rrdgraph arguments.
func escape(s string) string { return strings.ReplaceAll(s, ":", `\:`) }

func (o *Options) defaults() {
	if o.Field1 == "" {
		o.Field1 = "numFlows"
	}
	if o.PNG == "" {
		o.PNG = DefaultPNG(o.Field1, o.Field2)
	}
	if o.Width == 0 {
		o.Width = 640
	}
	if o.Height == 0 {
		o.Height = 480
	}
	if o.Interval == 0 {
		o.Interval = 600
	}
}

// grapher builds T2's graph definition for fields f1 (and f2) of file.
func (o *Options) grapher(file, daemon, f1, f2 string) *rrd.Grapher {
	g := rrd.NewGrapher()
	title, vlabel := f1, f1
	if f2 != "" {
		title, vlabel = f1+"/"+f2, f2+"/"+f1
	}
	g.SetTitle(title)
	g.SetVLabel(vlabel)
	g.SetSize(o.Width, o.Height)
	g.SetImageFormat("PNG")
	if o.Upper != nil {
		g.SetUpperLimit(*o.Upper)
	}
	if o.Lower != nil {
		g.SetLowerLimit(*o.Lower)
	}
	if o.Upper != nil || o.Lower != nil {
		g.SetRigid()
	}
	if o.Log {
		g.SetLogarithmic()
	}
	if daemon != "" {
		g.SetDaemon(daemon)
	}
	// -D: the size is the whole image, not just the canvas (T2 does the same).
	g.AddOptions("--full-size-mode", "--font", "DEFAULT:9:", "--font", "TITLE:14:")

	db := escape(file)
	legends := func(v string) {
		for _, l := range []struct{ cf, label, format string }{
			{"LAST", "Last", "%6.0lf%s"},
			{"AVERAGE", "Avg", "%6.2lf%s"},
			{"MINIMUM", "Min", "%6.0lf%s"},
			{"MAXIMUM", "Max", "%6.0lf%s"},
		} {
			g.VDef(v+l.label, v+","+l.cf)
			text := l.label + `\:` + l.format
			if l.cf == "MAXIMUM" {
				text += `\l`
			}
			g.GPrint(v+l.label, text)
		}
	}
	g.Def("obs", db, f1, "AVERAGE")
	g.Area("obs", colorField1, f1)
	legends("obs")
	if f2 != "" {
		g.Def("obs2", db, f2, "AVERAGE")
		g.CDef("nobs2", "obs2,-1,*")
		g.Area("nobs2", colorField2, f2)
		legends("obs2")
	}
	if o.HoltWinters {
		g.Def("pred", db, f1, "HWPREDICT")
		g.Def("dev", db, f1, "DEVPREDICT")
		g.Def("fail", db, f1, "FAILURES")
		g.Tick("fail", colorFail, "1.0")
		g.Area("obs", colorField1) // over the ticks
		g.CDef("upper", "pred,dev,2,*,+")
		g.CDef("lower", "pred,dev,2,*,-")
		g.Line(1, "upper", colorBand, `Holt-Winters bounds (prediction ± 2 deviations), failures in yellow\l`)
		g.Line(1, "lower", colorBand)
		if f2 != "" {
			g.Def("pred2", db, f2, "HWPREDICT")
			g.Def("dev2", db, f2, "DEVPREDICT")
			g.Def("fail2", db, f2, "FAILURES")
			g.CDef("nfail2", "fail2,-1,*")
			g.Tick("nfail2", colorFail, "1.0")
			g.Area("nobs2", colorField2)
			g.CDef("nupper2", "pred2,dev2,2,*,+,-1,*")
			g.CDef("nlower2", "pred2,dev2,2,*,-,-1,*")
			g.Line(1, "nupper2", colorBand)
			g.Line(1, "nlower2", colorBand)
		}
	}
	if o.TrendHours > 0 {
		win := strconv.FormatInt(int64(o.TrendHours*3600+0.5), 10)
		g.CDef("trend", "obs,"+win+",TREND")
		label := fmt.Sprintf(`%s h trend\l`, strconv.FormatFloat(o.TrendHours, 'f', -1, 64))
		g.Line(2, "trend", colorTrend, label)
		if f2 != "" {
			g.CDef("trend2", "nobs2,"+win+",TREND")
			g.Line(2, "trend2", colorTrend)
		}
	}
	if !o.NoBanner {
		g.Comment(`\s`)
		for _, l := range banner {
			g.Comment(escape(l) + `\r`)
		}
	}
	return g
}

// Plotter draws plots from one database.
type Plotter struct {
	DB  rrddb.DB
	Now func() time.Time // for tests; time.Now when nil
}

// Result is what one drawing produced.
type Result struct {
	PNG           string
	F1, F2        string // data sources plotted
	Range         Range
	Width, Height uint
}

// Draw writes the plot once.
func (p *Plotter) Draw(opt Options) (*Result, error) {
	opt.defaults()
	inf, err := p.DB.Info()
	if err != nil {
		return nil, err
	}
	names := inf.Names()
	f1, err := ResolveField(opt.Field1, names)
	if err != nil {
		return nil, err
	}
	f2 := ""
	if opt.Field2 != "" {
		if f2, err = ResolveField(opt.Field2, names); err != nil {
			return nil, err
		}
	}
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	rng, err := ResolveRange(opt.Start, opt.End, opt.Interval, opt.All, inf.First(), inf.LastUpdate, now().Unix())
	if err != nil {
		return nil, err
	}
	return p.draw(opt, f1, f2, rng)
}

func (p *Plotter) draw(opt Options, f1, f2 string, rng Range) (*Result, error) {
	g := opt.grapher(p.DB.File(), p.DB.Daemon(), f1, f2)
	// Drawn into a new file and renamed into place: a viewer reloading
	// the PNG every second never reads half an image, and under sudo a
	// link planted at the name is refused (package outfile).
	target, err := outfile.Target(opt.PNG)
	if err != nil {
		return nil, fmt.Errorf("plot: %w", err)
	}
	tmp, err := outfile.Temp(target)
	if err != nil {
		return nil, fmt.Errorf("plot %s: %w", opt.PNG, err)
	}
	gi, err := g.SaveGraph(tmp, time.Unix(rng.Start, 0), time.Unix(rng.End, 0))
	if err != nil {
		os.Remove(tmp)
		return nil, fmt.Errorf("plot %s: %v", opt.PNG, err)
	}
	if err := outfile.Commit(tmp, target); err != nil {
		return nil, fmt.Errorf("plot: %w", err)
	}
	return &Result{PNG: opt.PNG, F1: f1, F2: f2, Range: rng, Width: gi.Width, Height: gi.Height}, nil
}

// Watch draws the plot, prints its path to out, then redraws it every
// `every` until ctx ends, moving the window as T2 does: the end advances
// by `every` (and, unless realtime, jumps to the last update when that is
// later); unless the whole database is plotted, the start follows at
// end - interval. An image viewer that reloads the file (feh -R 1) shows
// it live.
func (p *Plotter) Watch(ctx context.Context, opt Options, every time.Duration, realtime bool, out io.Writer) error {
	opt.defaults()
	res, err := p.Draw(opt)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, res.PNG)
	f1, f2, rng := res.F1, res.F2, res.Range
	interval := rng.End - rng.Start
	step := int64(every / time.Second)
	if step < 1 {
		step = 1
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		rng.End += step
		if !realtime {
			if inf, err := p.DB.Info(); err == nil && inf.LastUpdate > rng.End {
				rng.End = inf.LastUpdate
			}
		}
		if !opt.All {
			rng.Start = rng.End - interval
		}
		if _, err := p.draw(opt, f1, f2, rng); err != nil {
			return err
		}
	}
}

// WriteFields prints field names as T2's t2rrd -L does: three per line,
// each as 8 spaces and the name left-justified in 15 columns, then an
// empty line.
func WriteFields(w io.Writer, names []string) {
	var b strings.Builder
	for i, n := range names {
		fmt.Fprintf(&b, "        %-15s", n)
		if i%3 == 2 {
			b.WriteByte('\n')
		}
	}
	b.WriteByte('\n')
	io.WriteString(w, b.String())
}

// WriteShortenedNote prints, after -L/-I, which fields look like names
// feed.DSName shortened (14 characters, '_', 4 hex digits), since RRD
// keeps only the short name. Nothing is printed otherwise, so the output
// stays T2's for T2's columns.
func WriteShortenedNote(w io.Writer, names []string) {
	var short []string
	for _, n := range names {
		if looksShortened(n) {
			short = append(short, n)
		}
	}
	if len(short) > 0 {
		fmt.Fprintf(w, "Shortened to RRD's %d-character limit (plot them by this name or the full column name): %s\n",
			feed.MaxDSName, strings.Join(short, " "))
	}
}

func looksShortened(n string) bool {
	if len(n) != feed.MaxDSName || n[feed.MaxDSName-5] != '_' {
		return false
	}
	for _, c := range n[feed.MaxDSName-4:] {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// WriteInfo prints t2rrd -I: database, first and last record, duration,
// number of fields, field list.
func WriteInfo(w io.Writer, inf *rrddb.Info) {
	first := inf.First()
	fmt.Fprintf(w, "Database: %s\nFirst record: %d\nLast record: %d\nDuration: %d\nFields: %d\n",
		inf.File, first, inf.LastUpdate, inf.LastUpdate-first, len(inf.DS))
	WriteFields(w, inf.Names())
	WriteShortenedNote(w, inf.Names())
}
