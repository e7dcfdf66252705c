//go:build !linux

package engine

// useHugePages is a no-op where transparent huge pages are not known.
func useHugePages() {}
