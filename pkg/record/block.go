package record

import (
	"sync"
	"sync/atomic"
)

// A Block is a recorded sequence of Writer calls that Writer.AppendBlock
// replays: a plugin records the columns it writes for a constant state
// (all zero, not applicable) once, then appends them in one copy instead
// of one call per value. A deferred Writer stores a reference to the
// block (opBlock and the block's id): Render copies the block's text,
// rendered once, and JSONLayout walks the block's typed ops, so both see
// the record of the individual calls. A text Writer gets the same text.
type Block struct {
	ops    []byte // deferred ops (no block references)
	text   []byte // text after a field (every field start has its TAB)
	first  []byte // text at the start of a line (no TAB before the first field)
	fields int    // fields the calls start
	id     uint32 // index in the registry; noID: not registered
}

// Blocks are registered for the whole run (a deferred record refers to
// its blocks by id, and is rendered on another goroutine): the registry
// is an append-only list, replaced as a whole on every addition, so a
// reader needs no lock. Blocks are meant to be made once, at Init; past
// maxBlocks a block is not registered and a deferred Writer copies its
// ops.
var blockReg struct {
	sync.Mutex
	list atomic.Pointer[[]*Block]
}

const (
	maxBlocks = 1 << 16
	noID      = ^uint32(0)
	// blockRefMin is the smallest ops length a reference (5 bytes)
	// replaces: shorter blocks are copied.
	blockRefMin = 6
)

// blockByID returns the registered block id.
func blockByID(id uint32) *Block {
	return (*blockReg.list.Load())[id]
}

// register gives b an id, or noID when the registry is full.
func (b *Block) register() {
	blockReg.Lock()
	defer blockReg.Unlock()
	var old []*Block
	if p := blockReg.list.Load(); p != nil {
		old = *p
	}
	if len(old) >= maxBlocks {
		b.id = noID
		return
	}
	list := append(old[:len(old):len(old)], b)
	b.id = uint32(len(old))
	blockReg.list.Store(&list)
}

// NewBlock records the calls fn makes on the Writer it is given (a
// deferred Writer, so every value keeps its type).
func NewBlock(fn func(w *Writer)) *Block {
	w := Writer{Deferred: true}
	fn(&w)
	b := &Block{ops: expandBlocks(nil, w.buf), fields: w.fields}
	b.first = Render(nil, b.ops)
	b.text = render(nil, b.ops, false)
	b.register()
	return b
}

// expandBlocks appends ops to dst with every block reference replaced by
// the block's ops.
func expandBlocks(dst, ops []byte) []byte {
	for i := 0; i < len(ops); {
		op := ops[i]
		next := skipOperand(ops, i+1, op&opMask)
		if op == opBlock {
			dst = append(dst, blockByID(le.Uint32(ops[i+1:])).ops...)
		} else {
			dst = append(dst, ops[i:next]...)
		}
		i = next
	}
	return dst
}

// Fields returns how many fields the block starts.
func (b *Block) Fields() int { return b.fields }

// AppendBlock appends the calls recorded in b, as if they were made on w.
func (w *Writer) AppendBlock(b *Block) {
	switch {
	case w.Disabled:
		return
	case w.Deferred && len(b.ops) >= blockRefMin && b.id != noID:
		id := b.id
		w.buf = append(w.buf, opBlock, byte(id), byte(id>>8), byte(id>>16), byte(id>>24))
	case w.Deferred:
		w.buf = append(w.buf, b.ops...)
	case w.fields == 0:
		w.buf = append(w.buf, b.first...)
	default:
		w.buf = append(w.buf, b.text...)
	}
	w.fields += b.fields
}

// ExpandBlocks returns the deferred record ops with every block
// reference replaced by the block's ops: the typed ops of the individual
// calls (for tests that compare a block with the calls it recorded).
func ExpandBlocks(ops []byte) []byte { return expandBlocks(nil, ops) }
