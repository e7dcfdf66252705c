//go:build !linux

package capture

import "errors"

// FanoutAvailable reports whether OpenFanout works on this system.
const FanoutAvailable = false

// OpenFanout needs Linux's AF_PACKET sockets.
func OpenFanout(iface string, n int, o Options) ([]Source, error) {
	return nil, errors.New("several capture workers need Linux (AF_PACKET fanout): run with one worker (-j 1, libpcap)")
}
