package record

import (
	"bytes"
	"math/rand"
	"strconv"
	"testing"
)

// segment is a run of random calls (fillStep with its own seed), written
// directly or through a Block.
type segment struct {
	seed  int64
	steps int
	block bool
}

func (s segment) write(w *Writer) {
	rng := rand.New(rand.NewSource(s.seed))
	for i := 0; i < s.steps; i++ {
		fillStep(w, rng)
	}
}

// TestAppendBlockSameRecord builds random records once by individual
// calls and once with some runs of the calls recorded as Blocks: the
// deferred ops, the field counts, the text of Render and of a text
// Writer, and the JSON must all be equal.
func TestAppendBlockSameRecord(t *testing.T) {
	types := []string{"U64", "SC:R", "U16_U16", "S", "H8_H32:R", "F", "IPX", "C"}
	cols := make([]Column, 400)
	for i := range cols {
		cols[i] = Column{Name: "c" + strconv.Itoa(i), Type: types[i%len(types)]}
	}
	layout := NewJSONLayout(cols, JSONOptions{})
	rng := rand.New(rand.NewSource(11))
	for rec := 0; rec < 3000; rec++ {
		var segs []segment
		for n := rng.Intn(8); len(segs) <= n; {
			segs = append(segs, segment{seed: rng.Int63(), steps: rng.Intn(6), block: rng.Intn(2) == 0})
		}
		var direct, viaBlock, directText, viaBlockText Writer
		direct.Deferred, viaBlock.Deferred = true, true
		for _, s := range segs {
			s.write(&direct)
			s.write(&directText)
			if s.block {
				b := NewBlock(s.write)
				viaBlock.AppendBlock(b)
				viaBlockText.AppendBlock(b)
			} else {
				s.write(&viaBlock)
				s.write(&viaBlockText)
			}
		}
		if !bytes.Equal(viaBlock.Bytes(), direct.Bytes()) {
			t.Fatalf("record %d %+v: deferred ops differ", rec, segs)
		}
		if got, want := string(viaBlockText.Bytes()), string(directText.Bytes()); got != want {
			t.Fatalf("record %d %+v: text\n got %q\nwant %q", rec, segs, got, want)
		}
		if got, want := string(Render(nil, viaBlock.Bytes())), string(directText.Bytes()); got != want {
			t.Fatalf("record %d %+v: Render\n got %q\nwant %q", rec, segs, got, want)
		}
		if got, want := string(layout.Append(nil, viaBlock.Bytes())), string(layout.Append(nil, direct.Bytes())); got != want {
			t.Fatalf("record %d %+v: JSON\n got %s\nwant %s", rec, segs, got, want)
		}
		for _, w := range []*Writer{&direct, &viaBlockText, &directText} {
			if w.Fields() != viaBlock.Fields() {
				t.Fatalf("record %d %+v: fields %d and %d", rec, segs, w.Fields(), viaBlock.Fields())
			}
		}
	}
}

// TestAppendBlockCountsFields checks the TAB and field count after a
// block at the start of a text line, and that a disabled Writer ignores
// a block.
func TestAppendBlockCountsFields(t *testing.T) {
	b := NewBlock(func(w *Writer) { w.U64(0); w.Field(); w.AppendU64(1); w.Under(); w.AppendU64(2) })
	if b.Fields() != 2 {
		t.Fatalf("block fields %d, want 2", b.Fields())
	}
	for _, deferred := range []bool{false, true} {
		w := Writer{Deferred: deferred}
		w.AppendBlock(b)
		w.U64(3)
		w.AppendBlock(b)
		if w.Fields() != 5 {
			t.Fatalf("deferred %v: fields %d, want 5", deferred, w.Fields())
		}
		text := w.Bytes()
		if deferred {
			text = Render(nil, text)
		}
		if got, want := string(text), "0\t1_2\t3\t0\t1_2"; got != want {
			t.Fatalf("deferred %v: %q, want %q", deferred, got, want)
		}
	}
	w := Writer{Disabled: true}
	w.AppendBlock(b)
	if len(w.Bytes()) != 0 || w.Fields() != 0 {
		t.Fatalf("disabled writer: %q, %d fields", w.Bytes(), w.Fields())
	}
}
