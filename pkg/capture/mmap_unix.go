//go:build unix

package capture

import (
	"os"

	"golang.org/x/sys/unix"
)

var pageSize = os.Getpagesize()

// mapFile maps f (size bytes) read-only, or returns nil when it cannot
// (the caller then reads the file).
func mapFile(f *os.File, size int64, name string) *mapping {
	if size <= 0 || int64(int(size)) != size {
		return nil
	}
	data, err := unix.Mmap(int(f.Fd()), 0, int(size), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return nil
	}
	_ = unix.Madvise(data, unix.MADV_SEQUENTIAL) // a hint: read-ahead
	m := &mapping{data: data, name: name}
	register(m)
	return m
}

func dropPages(b []byte) { _ = unix.Madvise(b, unix.MADV_DONTNEED) }

func (m *mapping) unmap() {
	m.pop.Wait()
	if m.data != nil {
		unregister(m)
		_ = unix.Munmap(m.data)
		m.data = nil
	}
}
