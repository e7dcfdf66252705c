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
	keep := make([]bool, len(cols))
	for i := range keep {
		keep[i] = rng.Intn(2) == 0
	}
	selected := NewJSONLayout(cols, JSONOptions{Keep: keep, SuppressEmpty: true})
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
		// The same typed ops once the block references are replaced by
		// the blocks' ops.
		if !bytes.Equal(expandBlocks(nil, viaBlock.Bytes()), direct.Bytes()) {
			t.Fatalf("record %d %+v: deferred ops differ", rec, segs)
		}
		if got, want := string(viaBlockText.Bytes()), string(directText.Bytes()); got != want {
			t.Fatalf("record %d %+v: text\n got %q\nwant %q", rec, segs, got, want)
		}
		if got, want := string(Render(nil, viaBlock.Bytes())), string(directText.Bytes()); got != want {
			t.Fatalf("record %d %+v: Render\n got %q\nwant %q", rec, segs, got, want)
		}
		// After other lines, as flowOut renders (the block's text is
		// copied, then the room reserved again).
		prefix := bytes.Repeat([]byte{'p'}, rec%50)
		if got, want := string(Render(prefix[:len(prefix):len(prefix)], viaBlock.Bytes())), string(prefix)+string(directText.Bytes()); got != want {
			t.Fatalf("record %d %+v: Render after %d bytes\n got %q\nwant %q", rec, segs, len(prefix), got, want)
		}
		if got, want := string(layout.Append(nil, viaBlock.Bytes())), string(layout.Append(nil, direct.Bytes())); got != want {
			t.Fatalf("record %d %+v: JSON\n got %s\nwant %s", rec, segs, got, want)
		}
		if got, want := string(selected.Append(nil, viaBlock.Bytes())), string(selected.Append(nil, direct.Bytes())); got != want {
			t.Fatalf("record %d %+v: JSON of selected columns\n got %s\nwant %s", rec, segs, got, want)
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

// TestBlockReferences checks the deferred form of AppendBlock: a
// reference for a registered block of 6 or more op bytes, the ops for a
// short or unregistered one, and a block recorded from calls that append
// blocks holds their ops (no references), rendering the same.
func TestBlockReferences(t *testing.T) {
	inner := NewBlock(func(w *Writer) { w.U64(0); w.U64(1); w.H16(2); w.F32(0); w.Str([]byte("x")) })
	short := NewBlock(func(w *Writer) { w.U64(0) })
	outer := NewBlock(func(w *Writer) { w.U64(7); w.AppendBlock(inner); w.AppendBlock(short); w.Semi() })
	for i := 0; i < len(outer.ops); i = skipOperand(outer.ops, i+1, outer.ops[i]&opMask) {
		if outer.ops[i] == opBlock {
			t.Fatalf("block holds a reference: %q", outer.ops)
		}
	}
	unreg := *inner
	unreg.id = noID
	want := "0\t1\t0x0002\t0\t\"x\"\t7\t0\t1\t0x0002\t0\t\"x\"\t0;\t0\t1\t0x0002\t0\t\"x\""
	for _, tc := range []struct {
		b   *Block
		ref bool
	}{{inner, true}, {short, false}, {outer, true}, {&unreg, false}} {
		w := Writer{Deferred: true}
		w.AppendBlock(tc.b)
		if ref := w.Bytes()[0] == opBlock; ref != tc.ref || ref && len(w.Bytes()) != 5 {
			t.Fatalf("block %q: deferred %q, reference %v, want %v", tc.b.ops, w.Bytes(), ref, tc.ref)
		}
	}
	var w, text Writer
	w.Deferred = true
	for _, x := range []*Writer{&w, &text} {
		x.AppendBlock(inner)
		x.AppendBlock(outer)
		x.AppendBlock(&unreg)
	}
	if got := string(Render(nil, w.Bytes())); got != want || string(text.Bytes()) != want {
		t.Fatalf("Render %q, text %q, want %q", got, text.Bytes(), want)
	}
}
