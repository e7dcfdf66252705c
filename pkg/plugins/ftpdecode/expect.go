package ftpdecode

// expectTable holds the announced data connections (PORT, PASV, EPRT,
// EPSV replies) until they appear. Every new TCP flow is looked up twice,
// so a per-port count answers most lookups without hashing the 22-byte
// key: a flow whose ports were never announced is not in the map.
type expectTable struct {
	m     map[expectKey]expectation
	ports []uint16 // announcements per port (at most maxExpect < 65536)
}

func newExpectTable() expectTable {
	return expectTable{m: make(map[expectKey]expectation, maxExpect), ports: make([]uint16, 1<<16)}
}

func (t *expectTable) len() int { return len(t.m) }

// maybe reports whether some announcement names port.
func (t *expectTable) maybe(port uint16) bool { return t.ports[port] != 0 }

func (t *expectTable) get(k expectKey) (expectation, bool) {
	if t.ports[k.port] == 0 {
		return expectation{}, false
	}
	e, ok := t.m[k]
	return e, ok
}

func (t *expectTable) put(k expectKey, e expectation) {
	if _, ok := t.m[k]; !ok {
		t.ports[k.port]++
	}
	t.m[k] = e
}

func (t *expectTable) del(k expectKey) {
	if _, ok := t.m[k]; ok {
		t.ports[k.port]--
		delete(t.m, k)
	}
}
