// Package retiretest holds only a test: it runs the plugins that
// implement plugin.ConcurrentTerminator over captures twice, once with
// every OnFlowTerminate on the packet goroutine as the engine did before
// its retire goroutine, once with OnFlowRelease on the packet goroutine
// and OnFlowTerminate on a goroutine of its own, concurrently with the
// packet hooks of other flows (go test -race finds what the two share),
// and compares the records and report lines.
package retiretest
