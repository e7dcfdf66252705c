//go:build !amd64

package tcpflags

// sumWordsVariants: no assembly off amd64.
var sumWordsVariants = map[string]func([]byte, uint64) uint64{}
