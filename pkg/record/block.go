package record

// A Block is a recorded sequence of Writer calls that Writer.AppendBlock
// replays: a plugin records the columns it writes for a constant state
// (all zero, not applicable) once, then appends them in one copy instead
// of one call per value. A deferred Writer gets exactly the typed ops of
// the individual calls, so Render and JSONLayout see the same record; a
// text Writer gets the same text.
type Block struct {
	ops    []byte // deferred ops
	text   []byte // text after a field (every field start has its TAB)
	first  []byte // text at the start of a line (no TAB before the first field)
	fields int    // fields the calls start
}

// NewBlock records the calls fn makes on the Writer it is given (a
// deferred Writer, so every value keeps its type).
func NewBlock(fn func(w *Writer)) *Block {
	w := Writer{Deferred: true}
	fn(&w)
	b := &Block{ops: append([]byte(nil), w.buf...), fields: w.fields}
	b.first = Render(nil, b.ops)
	b.text = render(nil, b.ops, false)
	return b
}

// Fields returns how many fields the block starts.
func (b *Block) Fields() int { return b.fields }

// AppendBlock appends the calls recorded in b, as if they were made on w.
func (w *Writer) AppendBlock(b *Block) {
	switch {
	case w.Disabled:
		return
	case w.Deferred:
		w.buf = append(w.buf, b.ops...)
	case w.fields == 0:
		w.buf = append(w.buf, b.first...)
	default:
		w.buf = append(w.buf, b.text...)
	}
	w.fields += b.fields
}
