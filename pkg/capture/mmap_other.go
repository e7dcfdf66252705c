//go:build !unix

package capture

import "os"

var pageSize = 4096

// mapFile never maps here: files are read.
func mapFile(f *os.File, size int64, name string) *mapping { return nil }

func dropPages(b []byte) {}

func (m *mapping) unmap() {}
