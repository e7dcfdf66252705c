// Package rrdcached is a small client for rrdcached's text protocol
// (rrdcached(1), "PROTOCOL"). It exists because librrd's in-process update
// call used by github.com/ziutek/rrd (rrd_update_r) never talks to the
// daemon: to feed a central RRD host we speak the protocol ourselves, which
// also gives per-row error reports in BATCH mode.
//
// Every reply starts with a status line `<n> <message>`: n < 0 is an error,
// n >= 0 is the number of lines that follow.
//
// The daemon is not trusted to be sane: reply counts and line lengths are
// bounded, every exchange has a deadline, and the context given to Dial
// ends any wait at once (SIGINT/SIGTERM).
package rrdcached

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// DefaultPort is rrdcached's TCP port.
const DefaultPort = "42217"

// Limits on what one reply may hold. INFO of a database with the most data
// sources t2rrd creates (feed.MaxSources) and rrdcached's default archives
// is well under 100,000 lines of under 100 bytes; a reply beyond these is
// refused rather than buffered.
const (
	MaxReplyLines = 1 << 20
	MaxLineLen    = 16 << 10
	MaxReplyBytes = 16 << 20
)

// DefaultTimeout bounds each exchange with the daemon: a daemon that does
// not answer within it is given up.
const DefaultTimeout = 30 * time.Second

// Client is one connection to rrdcached. It is not safe for concurrent use.
type Client struct {
	// Timeout bounds each exchange (DefaultTimeout when zero).
	Timeout time.Duration

	ctx    context.Context
	stop   func() bool
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

// Dial connects to rrdcached at addr (see ParseAddr). When ctx ends, the
// pending and all later exchanges fail at once.
func Dial(ctx context.Context, addr string) (*Client, error) {
	network, address, err := ParseAddr(addr)
	if err != nil {
		return nil, err
	}
	d := net.Dialer{Timeout: 10 * time.Second}
	conn, err := d.DialContext(ctx, network, address)
	if err != nil {
		return nil, fmt.Errorf("connect to rrdcached %s: %w", addr, err)
	}
	c := &Client{ctx: ctx, conn: conn, r: bufio.NewReader(conn), w: bufio.NewWriterSize(conn, 1<<16), remote: network == "tcp"}
	// A deadline in the past wakes a read or write blocked on the daemon.
	c.stop = context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	return c, nil
}

// Close sends QUIT and closes the connection.
func (c *Client) Close() error {
	c.stop()
	c.conn.SetDeadline(time.Now().Add(time.Second))
	fmt.Fprintf(c.w, "QUIT\n")
	c.w.Flush()
	return c.conn.Close()
}

// arm sets the deadline of one exchange. ctx is checked after setting it,
// so a cancellation racing with arm still leaves a past deadline.
func (c *Client) arm() error {
	t := c.Timeout
	if t <= 0 {
		t = DefaultTimeout
	}
	c.conn.SetDeadline(time.Now().Add(t))
	if err := c.ctx.Err(); err != nil {
		c.conn.SetDeadline(time.Unix(1, 0))
		return err
	}
	return nil
}

// wrap names the command in a network error and says why it failed when
// ctx ended or the deadline passed.
func (c *Client) wrap(cmd string, err error) error {
	if cerr := c.ctx.Err(); cerr != nil {
		return fmt.Errorf("rrdcached %s: interrupted (%w)", cmd, cerr)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t := c.Timeout
		if t <= 0 {
			t = DefaultTimeout
		}
		return fmt.Errorf("rrdcached %s: no answer within %v", cmd, t)
	}
	return fmt.Errorf("rrdcached %s: %w", cmd, err)
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
	if err := c.arm(); err != nil {
		return "", nil, c.wrap(args[0], err)
	}
	line := strings.Join(args, " ")
	c.w.WriteString(line + "\n")
	if err := c.w.Flush(); err != nil {
		return "", nil, c.wrap(args[0], err)
	}
	return c.readReply(args[0], MaxReplyLines)
}

func (c *Client) readReply(cmd string, maxLines int) (string, []string, error) {
	msg, lines, err := ReadReply(c.r, maxLines)
	if err != nil {
		var de *Error
		if errors.As(err, &de) {
			de.Command = cmd
			return "", nil, de
		}
		var pe *ProtocolError
		if errors.As(err, &pe) {
			return "", nil, fmt.Errorf("rrdcached %s: %w", cmd, err)
		}
		return "", nil, c.wrap(cmd, fmt.Errorf("reading reply: %w", err))
	}
	return msg, lines, nil
}

// ProtocolError is a reply that breaks the protocol or its limits.
type ProtocolError struct{ Msg string }

func (e *ProtocolError) Error() string { return e.Msg }

// ReadReply reads one reply from r: the status line and the lines it
// announces, at most maxLines (and MaxReplyLines) of at most MaxLineLen
// bytes each, MaxReplyBytes in all. A negative status is returned as
// *Error (without Command), a broken or oversized reply as
// *ProtocolError, anything else is a read error of r.
func ReadReply(r *bufio.Reader, maxLines int) (msg string, lines []string, err error) {
	if maxLines > MaxReplyLines || maxLines < 0 {
		maxLines = MaxReplyLines
	}
	status, err := readLine(r)
	if err != nil {
		return "", nil, err
	}
	numStr, msg, _ := strings.Cut(status, " ")
	n, err := strconv.ParseInt(numStr, 10, 64)
	if err != nil {
		return "", nil, &ProtocolError{fmt.Sprintf("malformed reply %q", truncate(status))}
	}
	if n < 0 {
		return "", nil, &Error{Message: msg}
	}
	if n > int64(maxLines) {
		return "", nil, &ProtocolError{fmt.Sprintf("reply announces %d lines, more than the %d this command can have", n, maxLines)}
	}
	// Grow with what arrives, not with what is announced.
	lines = make([]string, 0, min(n, 256))
	total := len(status)
	for i := int64(0); i < n; i++ {
		l, err := readLine(r)
		if err != nil {
			return "", nil, err
		}
		if total += len(l) + 1; total > MaxReplyBytes {
			return "", nil, &ProtocolError{fmt.Sprintf("reply longer than %d bytes", MaxReplyBytes)}
		}
		lines = append(lines, l)
	}
	return msg, lines, nil
}

// readLine reads one line without its line end, refusing lines over
// MaxLineLen without buffering them.
func readLine(r *bufio.Reader) (string, error) {
	var buf []byte
	for {
		chunk, err := r.ReadSlice('\n')
		if len(buf)+len(chunk) > MaxLineLen+2 { // + CR LF
			return "", &ProtocolError{fmt.Sprintf("reply line longer than %d bytes", MaxLineLen)}
		}
		buf = append(buf, chunk...)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return "", err
		}
		return strings.TrimRight(string(buf), "\r\n"), nil
	}
}

func truncate(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
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
	if err := c.arm(); err != nil {
		return nil, c.wrap("BATCH", err)
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
		return nil, c.wrap("BATCH", err)
	}
	// One error line per refused update at most.
	_, lines, err := c.readReply("BATCH", len(values))
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
