package httpsniffer

// Per-flow lists, in flow-file column order.
const (
	lHost = iota
	lURL
	lMime
	lCookie
	lImage // lImage + class for the file-name lists
	lVideo
	lAudio
	lMsg
	lAppl
	lText
	lPunk
	lBdyURL
	lUsrAg
	lXFor
	lRefrr
	lVia
	lLoc
	lServ
	lPwr
	numLists
)

// The file-name lists follow T2's column order (images, videos, audios,
// messages, applications, texts, unknown), which differs from the class
// counter order (... messages, texts, applications ...).
var classList = [numClasses]int{
	classImage: lImage, classVideo: lVideo, classAudio: lAudio, classMessage: lMsg,
	classText: lText, classAppl: lAppl, classOther: lPunk,
}

const (
	// maxValue bounds one stored header value (T2 keeps values of any
	// length; the longest in the reference captures has 663 bytes).
	maxValue = 4096
	// maxFlowBytes bounds the text one flow keeps in all its lists, so
	// hostile headers cannot grow memory without limit.
	maxFlowBytes = 256 << 10
)

// strList is a list of byte strings in one reused buffer.
type strList struct {
	buf  []byte
	ends []int32
}

func (l *strList) reset() { l.buf, l.ends = l.buf[:0], l.ends[:0] }

func (l *strList) len() int { return len(l.ends) }

func (l *strList) get(i int) []byte {
	start := int32(0)
	if i > 0 {
		start = l.ends[i-1]
	}
	return l.buf[start:l.ends[i]]
}

func (l *strList) has(s []byte) bool {
	for i := range l.ends {
		if string(l.get(i)) == string(s) {
			return true
		}
	}
	return false
}

// state is the per-flow state of a flow that became HTTP. States are
// pooled: their buffers are reused, so steady-state traffic allocates
// nothing.
type state struct {
	stat, aflags, mimes, cflags uint16
	methods                     uint8
	get, post                   uint16
	rsCnt                       uint16
	codes                       []uint16
	classCnt                    [numClasses]uint16
	lists                       [numLists]strList
	bytes                       int // text kept in lists

	inHeader bool // a header started and its blank line was not seen yet
	midLine  bool // the previous header packet ended inside a line
	bodyNew  bool // the next body byte is the first of a message body
	bodyText bool // the current message is text/*

	// The current header's Content-Type class (-1: none yet) and
	// Content-Disposition file name, for the file-name entry.
	msgClass int
	dispName []byte
	target   []byte // last request target, at most HTTP_MXFILE_LEN bytes
}

func (s *state) reset() {
	*s = state{codes: s.codes[:0], lists: s.lists, dispName: s.dispName[:0], target: s.target[:0], msgClass: -1}
	for i := range s.lists {
		s.lists[i].reset()
	}
}

// add appends v to list i (once when distinct) unless the list is full;
// it reports false when the value was dropped for lack of room.
func (s *state) add(i int, v []byte, distinct bool, max int) bool {
	l := &s.lists[i]
	if len(v) > maxValue {
		v = v[:maxValue]
	}
	if distinct && l.has(v) {
		return true
	}
	if l.len() >= max || s.bytes+len(v) > maxFlowBytes {
		return false
	}
	l.buf = append(l.buf, v...)
	l.ends = append(l.ends, int32(len(l.buf)))
	s.bytes += len(v)
	return true
}
