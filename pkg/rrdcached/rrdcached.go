// Package rrdcached is a small client for rrdcached's text protocol
// (rrdcached(1), "PROTOCOL"). It exists because librrd's in-process update
// call used by github.com/ziutek/rrd (rrd_update_r) never talks to the
// daemon: to feed a central RRD host we speak the protocol ourselves, which
// also gives per-row error reports in BATCH mode.
//
// Every reply starts with a status line `<n> <message>`: n < 0 is an error,
// n >= 0 is the number of lines that follow.
package rrdcached

import (
	"bufio"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// DefaultPort is rrdcached's TCP port.
const DefaultPort = "42217"

// Client is one connection to rrdcached. It is not safe for concurrent use.
type Client struct {
	conn   net.Conn
	r      *bufio.Reader
	w      *bufio.Writer
	remote bool
}

// ParseAddr turns an rrdcached address as rrdtool accepts it into a network
// and address for net.Dial: `unix:/path`, `/path` (a socket), `host`,
// `host:port`, `[v6addr]:port`.
func ParseAddr(addr string) (network, address string, err error) {
	switch {
	case addr == "":
		return "", "", fmt.Errorf("empty rrdcached address")
	case strings.HasPrefix(addr, "unix:"):
		p := strings.TrimPrefix(addr, "unix:")
		if p == "" {
			return "", "", fmt.Errorf("rrdcached address %q has no socket path", addr)
		}
		return "unix", p, nil
	case strings.HasPrefix(addr, "/"):
		return "unix", addr, nil
	}
	if _, _, err := net.SplitHostPort(addr); err == nil {
		return "tcp", addr, nil
	}
	if strings.HasPrefix(addr, "[") && strings.HasSuffix(addr, "]") {
		addr = addr[1 : len(addr)-1]
	}
	return "tcp", net.JoinHostPort(addr, DefaultPort), nil
}

// Dial connects to rrdcached at addr (see ParseAddr).
func Dial(addr string) (*Client, error) {
	network, address, err := ParseAddr(addr)
	if err != nil {
		return nil, err
	}
	conn, err := net.DialTimeout(network, address, 10*time.Second)
	if err != nil {
		return nil, fmt.Errorf("connect to rrdcached %s: %w", addr, err)
	}
	return &Client{conn: conn, r: bufio.NewReader(conn), w: bufio.NewWriterSize(conn, 1<<16), remote: network == "tcp"}, nil
}

// Close sends QUIT and closes the connection.
func (c *Client) Close() error {
	fmt.Fprintf(c.w, "QUIT\n")
	c.w.Flush()
	return c.conn.Close()
}

// Path returns how file must be named to the daemon. On a unix socket the
// daemon shares our file system, so the name is made absolute (as librrd's
// client does); over TCP it is passed as given and the daemon resolves it
// against its base directory (-b).
func (c *Client) Path(file string) string {
	if c.remote {
		return file
	}
	if abs, err := filepath.Abs(file); err == nil {
		return abs
	}
	return file
}

// Error is an error status returned by the daemon.
type Error struct {
	Command string
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("rrdcached %s: %s", e.Command, e.Message) }

func checkArg(s string) error {
	if s == "" || strings.ContainsAny(s, " \t\r\n") {
		return fmt.Errorf("rrdcached argument %q is empty or contains white space", s)
	}
	return nil
}

// do sends one command line and reads the status and its following lines.
func (c *Client) do(args ...string) (string, []string, error) {
	for _, a := range args {
		if err := checkArg(a); err != nil {
			return "", nil, err
		}
	}
	line := strings.Join(args, " ")
	if _, err := c.w.WriteString(line + "\n"); err != nil {
		return "", nil, err
	}
	if err := c.w.Flush(); err != nil {
		return "", nil, fmt.Errorf("rrdcached %s: %w", args[0], err)
	}
	return c.readReply(args[0])
}

func (c *Client) readReply(cmd string) (string, []string, error) {
	status, err := c.r.ReadString('\n')
	if err != nil {
		return "", nil, fmt.Errorf("rrdcached %s: reading reply: %w", cmd, err)
	}
	status = strings.TrimRight(status, "\r\n")
	numStr, msg, _ := strings.Cut(status, " ")
	n, err := strconv.Atoi(numStr)
	if err != nil {
		return "", nil, fmt.Errorf("rrdcached %s: malformed reply %q", cmd, status)
	}
	if n < 0 {
		return "", nil, &Error{Command: cmd, Message: msg}
	}
	lines := make([]string, 0, n)
	for i := 0; i < n; i++ {
		l, err := c.r.ReadString('\n')
		if err != nil {
			return "", nil, fmt.Errorf("rrdcached %s: reading reply: %w", cmd, err)
		}
		lines = append(lines, strings.TrimRight(l, "\r\n"))
	}
	return msg, lines, nil
}

// Create creates file on the daemon's host with the given step, start and
// DS/RRA definitions. With overwrite false an existing file is an error.
func (c *Client) Create(file string, start int64, step uint, overwrite bool, defs []string) error {
	args := []string{"CREATE", c.Path(file), "-b", strconv.FormatInt(start, 10), "-s", strconv.FormatUint(uint64(step), 10)}
	if !overwrite {
		args = append(args, "-O")
	}
	args = append(args, defs...)
	_, _, err := c.do(args...)
	return err
}

// BatchError is the daemon's complaint about one update of a batch.
type BatchError struct {
	Index   int // 0-based index into the updates passed to Batch
	Message string
}

// Batch sends `UPDATE file value` for each value in one BATCH exchange and
// returns the updates the daemon refused. The daemon checks the time order
// when queueing; values are only parsed when it writes the file, so callers
// should send well-formed values.
func (c *Client) Batch(file string, values []string) ([]BatchError, error) {
	if len(values) == 0 {
		return nil, nil
	}
	path := c.Path(file)
	if err := checkArg(path); err != nil {
		return nil, err
	}
	for _, v := range values {
		if err := checkArg(v); err != nil {
			return nil, err
		}
	}
	if _, _, err := c.do("BATCH"); err != nil {
		return nil, err
	}
	for _, v := range values {
		c.w.WriteString("UPDATE ")
		c.w.WriteString(path)
		c.w.WriteByte(' ')
		c.w.WriteString(v)
		c.w.WriteByte('\n')
	}
	c.w.WriteString(".\n")
	if err := c.w.Flush(); err != nil {
		return nil, fmt.Errorf("rrdcached BATCH: %w", err)
	}
	_, lines, err := c.readReply("BATCH")
	if err != nil {
		return nil, err
	}
	var errs []BatchError
	for _, l := range lines {
		numStr, msg, _ := strings.Cut(l, " ")
		n, err := strconv.Atoi(numStr)
		if err != nil || n < 1 || n > len(values) {
			errs = append(errs, BatchError{Index: -1, Message: l})
			continue
		}
		errs = append(errs, BatchError{Index: n - 1, Message: msg})
	}
	return errs, nil
}

// Flush asks the daemon to write everything it holds for file.
func (c *Client) Flush(file string) error {
	_, _, err := c.do("FLUSH", c.Path(file))
	return err
}

// Last returns the time of the last update of file as the daemon sees it
// (including updates not yet written).
func (c *Client) Last(file string) (int64, error) {
	msg, _, err := c.do("LAST", c.Path(file))
	if err != nil {
		return 0, err
	}
	v, err := strconv.ParseInt(strings.TrimSpace(msg), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("rrdcached LAST: malformed reply %q", msg)
	}
	return v, nil
}

// InfoLine is one `key type value` line of INFO.
type InfoLine struct {
	Key, Value string
}

// Info returns the daemon's `rrdtool info` of file, flushing it first. The
// values are strings as rrdtool info prints them (quotes removed).
func (c *Client) Info(file string) ([]InfoLine, error) {
	if err := c.Flush(file); err != nil {
		return nil, err
	}
	_, lines, err := c.do("INFO", c.Path(file))
	if err != nil {
		return nil, err
	}
	out := make([]InfoLine, 0, len(lines))
	for _, l := range lines {
		key, rest, ok := strings.Cut(l, " ")
		if !ok {
			continue
		}
		_, val, _ := strings.Cut(rest, " ")
		out = append(out, InfoLine{Key: key, Value: val})
	}
	return out, nil
}
