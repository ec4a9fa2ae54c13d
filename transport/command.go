package transport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// stderrLimit bounds how much of a command's stderr is kept for errors.
const stderrLimit = 8 << 10

// exitWait bounds how long a read that hit EOF waits for the command to
// exit, to report its status and stderr.
const exitWait = 2 * time.Second

// CommandError reports that the command behind a connection (ssh, an ext
// command, a remote nc) ended. It wraps io.EOF and the exit error.
type CommandError struct {
	Command string
	Err     error  // the exit status, nil if it exited 0
	Stderr  string // the last bytes it wrote to stderr
}

// Error describes how the command ended, with its stderr.
func (e *CommandError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s ended the connection", e.Command)
	if e.Err != nil {
		fmt.Fprintf(&b, " (%v)", e.Err)
	}
	if s := strings.TrimSpace(e.Stderr); s != "" {
		fmt.Fprintf(&b, ": %s", s)
	}
	return b.String()
}

// Unwrap gives io.EOF and the exit error.
func (e *CommandError) Unwrap() []error {
	if e.Err == nil {
		return []error{io.EOF}
	}
	return []error{io.EOF, e.Err}
}

// tail keeps the last stderrLimit bytes written to it.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - stderrLimit; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

// cmdAddr names the command as a net.Addr.
type cmdAddr string

func (a cmdAddr) Network() string { return "exec" }
func (a cmdAddr) String() string  { return string(a) }

// cmdConn is a net.Conn over a child process's stdin and stdout.
type cmdConn struct {
	procEnd
	cmd *exec.Cmd
	r   *os.File // the child's stdout
	w   *os.File // the child's stdin

	closeOnce sync.Once
}

// startCommand runs name with args and returns a connection to its stdin
// and stdout. Close kills and reaps the child. If ctx ends before the
// child is running, the child is killed and the dial fails.
func startCommand(ctx context.Context, name string, args []string) (*cmdConn, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, err
	}
	c := &cmdConn{procEnd: newProcEnd(name), cmd: exec.Command(name, args...), r: outR, w: inW}
	c.cmd.Stdin = inR
	c.cmd.Stdout = outW
	c.cmd.Stderr = c.stderr
	// A grandchild that keeps stderr open must not stall the reaping.
	c.cmd.WaitDelay = time.Second
	err = c.cmd.Start()
	inR.Close()
	outW.Close()
	if err != nil {
		outR.Close()
		inW.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() {
		c.Ended(c.cmd.Wait())
	}()
	if err := ctx.Err(); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func (c *cmdConn) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if err == io.EOF {
		return n, c.Err()
	}
	return n, err
}

// procEnd tracks how the program behind a connection ends: the local
// command's here, the remote command's for the built-in ssh client
// (transport/sshdial), which uses it through its exported methods.
type procEnd struct {
	name   string
	stderr *tail
	done   chan struct{} // closed once the program has ended
	err    error         // its exit error, valid after done
	closed chan struct{} // closed by Close
}

func newProcEnd(name string) procEnd {
	return procEnd{name: name, stderr: &tail{}, done: make(chan struct{}), closed: make(chan struct{})}
}

// ProgramEnd tracks how the program behind a connection ends, so that the
// connection's reads report a CommandError with the end of its stderr.
type ProgramEnd struct{ procEnd }

// NewProgramEnd returns the tracker of the program that name describes.
func NewProgramEnd(name string) *ProgramEnd { return &ProgramEnd{newProcEnd(name)} }

// Stderr is where the program's standard error goes; the tracker keeps
// its end.
func (p *procEnd) Stderr() io.Writer { return p.stderr }

// Ended records that the program ended with err; call it once.
func (p *procEnd) Ended(err error) {
	p.err = err
	close(p.done)
}

// Done is closed once the program has ended.
func (p *procEnd) Done() <-chan struct{} { return p.done }

// Closing records that the connection is being closed, so that a read
// ending with it reports io.EOF; call it once.
func (p *procEnd) Closing() { close(p.closed) }

// Err waits briefly for the program to end after its output hit EOF
// and describes how it ended; io.EOF when it ended cleanly and silently.
func (p *procEnd) Err() error {
	t := time.NewTimer(exitWait)
	defer t.Stop()
	select {
	case <-p.done:
	case <-p.closed:
		return io.EOF
	case <-t.C:
		return &CommandError{Command: p.name, Stderr: p.stderr.String()}
	}
	stderr := p.stderr.String()
	if p.err == nil && strings.TrimSpace(stderr) == "" {
		return io.EOF
	}
	return &CommandError{Command: p.name, Err: p.err, Stderr: stderr}
}

func (c *cmdConn) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	if err != nil {
		select {
		case <-c.done:
			return n, fmt.Errorf("write: %w", &CommandError{Command: c.name, Err: c.err, Stderr: c.stderr.String()})
		default:
		}
	}
	return n, err
}

// Close closes the pipes, kills the child and waits until it is reaped.
func (c *cmdConn) Close() error {
	c.closeOnce.Do(func() {
		c.Closing()
		c.w.Close()
		c.r.Close()
		if c.cmd.Process != nil {
			_ = c.cmd.Process.Kill()
		}
		<-c.done
	})
	return nil
}

// CloseWrite closes the child's stdin, so it sees end of input.
func (c *cmdConn) CloseWrite() error { return c.w.Close() }

func (c *cmdConn) LocalAddr() net.Addr  { return cmdAddr("client") }
func (c *cmdConn) RemoteAddr() net.Addr { return cmdAddr(c.name) }

func (c *cmdConn) SetDeadline(t time.Time) error {
	return errors.Join(c.r.SetReadDeadline(t), c.w.SetWriteDeadline(t))
}
func (c *cmdConn) SetReadDeadline(t time.Time) error  { return c.r.SetReadDeadline(t) }
func (c *cmdConn) SetWriteDeadline(t time.Time) error { return c.w.SetWriteDeadline(t) }
