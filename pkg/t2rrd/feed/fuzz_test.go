package feed

import (
	"strconv"
	"strings"
	"testing"

	"github.com/t2go/t2go/pkg/t2rrd/rrddb"
)

// memDB checks what the feeder hands to a database: the invariants
// librrd relies on (strictly increasing whole seconds, one value per DS,
// each a number or U).
type memDB struct {
	t       *testing.T
	created bool
	nds     int
	last    int64
	rows    int
}

func (m *memDB) File() string               { return "mem.rrd" }
func (m *memDB) Info() (*rrddb.Info, error) { return nil, rrddb.ErrNotExist }
func (m *memDB) Flush() error               { return nil }
func (m *memDB) Daemon() string             { return "" }
func (m *memDB) Close() error               { return nil }
func (m *memDB) Create(start int64, step uint, defs []string) error {
	m.created = true
	m.last = start
	for _, d := range defs {
		if strings.HasPrefix(d, "DS:") {
			m.nds++
			if name := strings.Split(d, ":")[1]; len(name) > MaxDSName || name == "" {
				m.t.Fatalf("bad DS name in %q", d)
			}
		}
	}
	if step < 1 {
		m.t.Fatalf("step %d", step)
	}
	return nil
}

func (m *memDB) Update(rows []rrddb.Update) ([]rrddb.Rejected, error) {
	if !m.created {
		m.t.Fatalf("update before create")
	}
	for _, r := range rows {
		parts := strings.Split(r.Arg, ":")
		sec, err := strconv.ParseInt(parts[0], 10, 64)
		if err != nil || sec <= m.last {
			m.t.Fatalf("time %q not after %d", parts[0], m.last)
		}
		m.last = sec
		if len(parts)-1 != m.nds {
			m.t.Fatalf("%d values for %d data sources: %q", len(parts)-1, m.nds, r.Arg)
		}
		for _, v := range parts[1:] {
			if v != "U" {
				if _, err := strconv.ParseFloat(v, 64); err != nil {
					m.t.Fatalf("value %q", v)
				}
			}
		}
		m.rows++
	}
	return nil, nil
}

// FuzzFeed runs arbitrary streams through the feeder: it must never panic
// and must only hand librrd-safe updates to the database.
func FuzzFeed(f *testing.F) {
	s := &stream{header: header093, start: 1700000000, interval: 1, trailTab: true}
	f.Add(s.text(5))
	f.Add("%repTyp\ttime\tdur\tpktsRec\tx\nA\t5.5\t1\t10\t3\nA\t5.9\t1\t-4\t0x1\nA\t7\t1\t12\t1e400\n")
	f.Add("%time\ta\n1\t1\n1.4\t2\n1.6\t3\n2.1\t4\n0\t5\n%time\tb\n9\t9\n")
	f.Fuzz(func(t *testing.T, in string) {
		db := &memDB{t: t}
		sum, _ := Feed(strings.NewReader(in), db, Options{})
		if sum.Stored != db.rows {
			t.Fatalf("summary says %d stored, database got %d", sum.Stored, db.rows)
		}
	})
}
