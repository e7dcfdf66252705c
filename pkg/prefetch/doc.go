// Package prefetch lets the packet path ask for memory it will need a few
// packets later (flow-table entries, flows, plugins' per-flow state), so
// the loads overlap with other work instead of stalling one by one. A
// prefetch is only a hint: it changes no data and cannot fault.
package prefetch
