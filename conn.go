package virtwire

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/virtwire/virtwire/internal/rawsock"
	"github.com/virtwire/virtwire/protocol"
	"github.com/virtwire/virtwire/protocol/keepalive"
	"github.com/virtwire/virtwire/protocol/lxc"
	"github.com/virtwire/virtwire/protocol/qemu"
	"github.com/virtwire/virtwire/protocol/remote"
	"github.com/virtwire/virtwire/transport"
)

// A Conn is a connection to a libvirt daemon. It is safe for concurrent use
// by any number of goroutines: calls are multiplexed on one socket, one
// goroutine at a time reads it and routes replies to their callers by
// serial number (a caller reads its own reply when no one else is reading),
// and writes are serialized.
//
// Every call takes a context. Cancelling it makes the call return at once;
// the daemon still runs the procedure, and its late reply is dropped.
//
// When the connection fails (the daemon closes it, the network breaks, the
// daemon violates the protocol or stops answering keepalive pings), every
// pending and later call returns an error that wraps the cause, Done is
// closed and Err says why.
type Conn struct {
	nc   net.Conn
	opts options
	log  *slog.Logger
	uri  *transport.URI // the URI given to Dial; nil for NewConn

	wlock     chan struct{}                                // holds a token while a packet is written: serializes writes to nc
	sock      *rawsock.Socket                              // nc's system calls, where available (internal/rawsock)
	streamHdr [protocol.LenSize + protocol.HeaderSize]byte // writeRaw's header (guarded by wlock)

	// The read side (reader.go): rd is used by the holder of the read
	// token only; the token's state is guarded by mu.
	rd          *packetReader
	fdr         *fdReader      // descriptors received on a unix socket, or nil
	direct      bool           // callers may read their own replies
	reading     readState      // who holds the read token
	readWaiters []*tokenWaiter // goroutines waiting to read, in order
	wantRead    atomic.Int32
	passive     int  // pending calls that leave reading to others
	yieldAsked  bool // a caller interrupted the background reader
	bgWake      chan struct{}
	interrupt   func() // c.interruptRead, made once: a method value per call would allocate
	idleTimer   *time.Timer
	idleArmed   bool
	lastRead    time.Time // when a caller last left the token with no one

	mu        sync.Mutex
	serial    uint32
	pending   map[uint32]*call
	abandoned map[uint32]struct{} // serials whose callers gave up; their replies are dropped
	err       error               // set once, just before done is closed

	done       chan struct{}
	failOnce   sync.Once
	closeOnce  sync.Once
	closeErr   error
	readerDone chan struct{}
	aux        sync.WaitGroup // short-lived goroutines: pong writes, keepalive pings

	lastRecv atomic.Int64 // unix nanoseconds of the last packet received
	pings    atomic.Int32 // PINGs received and not yet answered
	closing  atomic.Bool  // Close has begun: the daemon's EOF is expected
	// typedParamString caches the daemon's answer for string typed
	// parameters: 0 not asked yet, 1 supported, 2 not.
	typedParamString atomic.Int32
	ka               *keepaliver

	features features

	// Events (guarded by mu).
	regs        map[regKey]*registration
	byCallback  map[subKey]*registration
	registering map[eventFamily]int // registrations in flight per family
	early       []earlyEvent
	subs        sync.WaitGroup // one per active Subscription's watcher

	// Streams by serial (guarded by mu), and serials of recently ended ones.
	streams       map[uint32]*Stream
	closedStreams map[uint32]struct{}
}

// features are what the daemon told us it supports (CONNECT_SUPPORTS_FEATURE).
type features struct {
	keepalive     bool
	eventCallback bool
}

// reply is a reply packet handed from the reader to the caller.
type reply struct {
	h     protocol.Header
	pkt   *[]byte // the whole packet, from packetPool
	off   int     // where the body starts in *pkt
	files []*os.File
}

type call struct {
	tokenWaiter
	prog   uint32
	proc   int32
	serial uint32
	reply  chan reply // capacity 1: the reader never blocks on it
	direct bool       // the caller reads its reply itself when it can
}

var (
	packetPool = sync.Pool{New: func() any { b := make([]byte, 0, protocol.InitialPacket); return &b }}
	encPool    = sync.Pool{New: func() any { return new(protocol.Encoder) }}
	callPool   = sync.Pool{New: func() any { return &call{reply: make(chan reply, 1), tokenWaiter: newTokenWaiter()} }}
)

// maxPooled is the largest buffer kept for reuse; larger ones are left to
// the garbage collector so that one huge reply does not pin memory.
const maxPooled = 1 << 20

// largePacket is the size of a full stream data packet, the largest the
// daemon sends during a transfer; buffers of this size have a pool of
// their own, so that a download does not allocate one per packet.
const largePacket = protocol.LenSize + protocol.HeaderSize + protocol.LegacyMaxPayload

var largePacketPool = sync.Pool{New: func() any { b := make([]byte, 0, largePacket); return &b }}

func putPacket(p *[]byte) {
	switch c := cap(*p); {
	case c > maxPooled:
	case c >= largePacket:
		*p = (*p)[:0]
		largePacketPool.Put(p)
	default:
		*p = (*p)[:0]
		packetPool.Put(p)
	}
}

// defaultHandshakeTimeout bounds the handshake when neither the context nor
// WithDialTimeout does, so that a daemon that never answers cannot hang Dial.
const defaultHandshakeTimeout = 30 * time.Second

// handshakeContext bounds connecting and the handshake: by WithDialTimeout,
// else by the context's own deadline, else by defaultHandshakeTimeout.
func handshakeContext(ctx context.Context, o options) (context.Context, context.CancelFunc) {
	if o.dialTimeout > 0 {
		return context.WithTimeout(ctx, o.dialTimeout)
	}
	if _, ok := ctx.Deadline(); !ok {
		return context.WithTimeout(ctx, defaultHandshakeTimeout)
	}
	return ctx, func() {}
}

// NewConn runs libvirt's handshake on nc, a connection the caller made to a
// daemon (or to anything that relays to one), and returns a Conn that owns
// nc. The handshake lists the daemon's authentication types, authenticates
// (none and polkit need no client-side exchange), asks which features the
// daemon supports, and opens the URI given with WithName (or the daemon's
// default). On error nc is closed.
func NewConn(ctx context.Context, nc net.Conn, opts ...Option) (*Conn, error) {
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	return newConn(ctx, nc, o, nil)
}

// authenticator runs an authentication exchange other than none and
// polkit; Dial supplies one for SASL.
type authenticator func(ctx context.Context, c *Conn, offered []remote.AuthType) error

func newConn(ctx context.Context, nc net.Conn, o options, auth authenticator) (*Conn, error) {
	c := &Conn{
		nc:            nc,
		opts:          o,
		log:           o.logger,
		pending:       make(map[uint32]*call),
		abandoned:     make(map[uint32]struct{}),
		regs:          make(map[regKey]*registration),
		byCallback:    make(map[subKey]*registration),
		registering:   make(map[eventFamily]int),
		streams:       make(map[uint32]*Stream),
		closedStreams: make(map[uint32]struct{}),
		done:          make(chan struct{}),
		readerDone:    make(chan struct{}),
		bgWake:        make(chan struct{}, 1),
		direct:        interruptible(nc),
		wlock:         make(chan struct{}, 1),
	}
	c.interrupt = c.interruptRead
	if sock, fdr, ok := rawSource(nc); ok {
		c.sock = sock
		c.rd, c.fdr = newPacketReader(sock), fdr
	} else {
		src, fdr := fdSource(nc)
		c.rd, c.fdr = newPacketReader(src), fdr
	}
	if !c.direct {
		c.startBackgroundLocked()
	}
	c.lastRecv.Store(time.Now().UnixNano())
	go c.readLoop()

	ctx, cancel := handshakeContext(ctx, o)
	defer cancel()
	if err := c.handshake(ctx, auth); err != nil {
		c.shutdown(fmt.Errorf("%w: handshake failed", ErrConnClosed))
		return nil, err
	}
	if c.features.keepalive && o.keepAliveInterval > 0 && o.keepAliveCount > 0 {
		c.mu.Lock()
		if c.err == nil {
			c.ka = newKeepaliver(c, o.keepAliveInterval, o.keepAliveCount)
		}
		c.mu.Unlock()
	}
	return c, nil
}

// Done returns a channel that is closed when the connection has failed or
// been closed.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Err returns nil while the connection is open, and afterwards the error
// that ended it (wrapping ErrConnClosed after Close).
func (c *Conn) Err() error {
	select {
	case <-c.done:
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.err
	default:
		return nil
	}
}

// Close tells the daemon the connection is ending (CONNECT_CLOSE), closes
// the socket and waits for the Conn's goroutines to end. Pending calls
// return errors wrapping ErrConnClosed. Close is safe to call more than once
// and concurrently with calls; later calls return the first result.
func (c *Conn) Close() error {
	c.closeOnce.Do(func() {
		c.closing.Store(true)
		if c.Err() == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			err := c.call(ctx, remote.Program, remote.ProtocolVersion, int32(remote.ProcConnectClose), nil, nil)
			cancel()
			if err != nil && !errors.Is(err, ErrConnClosed) {
				c.closeErr = fmt.Errorf("virtwire: closing: %w", err)
			}
		}
		c.shutdown(ErrConnClosed)
	})
	return c.closeErr
}

// shutdown fails the connection with err and waits for its goroutines.
func (c *Conn) shutdown(err error) {
	c.fail(err)
	<-c.readerDone
	c.subs.Wait()
	c.aux.Wait()
	if c.fdr != nil {
		c.fdr.discard()
	}
}

// fail ends the connection with err: the first caller wins, later ones are
// ignored. It never blocks on the network.
func (c *Conn) fail(err error) {
	c.failOnce.Do(func() {
		c.mu.Lock()
		c.err = err
		ka := c.ka
		if c.idleTimer != nil {
			c.idleTimer.Stop()
		}
		c.mu.Unlock()
		if ka != nil {
			ka.stop()
		}
		close(c.done)
		c.nc.Close()
		c.mu.Lock()
		streams := make([]*Stream, 0, len(c.streams))
		for _, s := range c.streams {
			streams = append(streams, s)
		}
		c.mu.Unlock()
		for _, s := range streams {
			s.fail(err)
		}
		if c.log != nil && !errors.Is(err, ErrConnClosed) {
			c.log.Info("virtwire: connection failed", "err", err)
		}
	})
}

// failIO ends the connection after a read or write error: the daemon went
// away, or, once Close has begun, the connection is simply closing.
func (c *Conn) failIO(err error) {
	if c.closing.Load() {
		c.fail(ErrConnClosed)
		return
	}
	c.fail(readError(err))
}

func readError(err error) error {
	switch {
	case errors.Is(err, protocol.ErrTooLarge), errors.Is(err, protocol.ErrTooSmall):
		return fmt.Errorf("%w: %w", ErrProtocol, err)
	case err == io.EOF:
		return fmt.Errorf("%w: the daemon closed the connection", ErrDisconnected)
	case errors.Is(err, io.EOF):
		// An EOF that says more, such as the ssh program's exit status and
		// stderr ("Host key verification failed."): keep what it says.
		return fmt.Errorf("%w: %w", ErrDisconnected, err)
	case errors.Is(err, net.ErrClosed):
		return fmt.Errorf("%w: %w", ErrConnClosed, err)
	}
	return fmt.Errorf("%w: %w", ErrDisconnected, err)
}

// dispatch routes one packet. It returns an error only for protocol
// violations, which end the connection. It owns bp.
func (c *Conn) dispatch(h protocol.Header, bp *[]byte, off int, files []*os.File) error {
	switch h.Program {
	case keepalive.Program:
		defer putPacket(bp)
		if h.Version != keepalive.ProtocolVersion || h.Type != protocol.Message {
			return fmt.Errorf("%w: keepalive packet with version %d and type %v", ErrProtocol, h.Version, h.Type)
		}
		switch keepalive.Procedure(h.Procedure) {
		case keepalive.ProcPing:
			if c.pings.Add(1) == 1 {
				c.aux.Add(1)
				go c.answerPings()
			}
		case keepalive.ProcPong:
		default:
			return fmt.Errorf("%w: unknown keepalive procedure %d", ErrProtocol, h.Procedure)
		}
		return nil
	case remote.Program, qemu.Program, lxc.Program:
		if h.Version != remote.ProtocolVersion {
			putPacket(bp)
			return fmt.Errorf("%w: program %#x version %d, want %d", ErrProtocol, h.Program, h.Version, remote.ProtocolVersion)
		}
	default:
		putPacket(bp)
		return fmt.Errorf("%w: unknown program %#x (procedure %d, serial %d)", ErrProtocol, h.Program, h.Procedure, h.Serial)
	}
	switch h.Type {
	case protocol.Reply, protocol.ReplyWithFDs:
		return c.dispatchReply(h, bp, off, files)
	case protocol.Message:
		return c.dispatchEvent(h, bp, off)
	case protocol.Stream, protocol.StreamHole:
		return c.dispatchStream(h, bp, off)
	default:
		putPacket(bp)
		return fmt.Errorf("%w: the daemon sent a %v packet (procedure %d, serial %d)", ErrProtocol, h.Type, h.Procedure, h.Serial)
	}
}

func (c *Conn) dispatchReply(h protocol.Header, bp *[]byte, off int, files []*os.File) error {
	c.mu.Lock()
	cl := c.pending[h.Serial]
	if cl != nil {
		delete(c.pending, h.Serial)
		c.removeWaiterLocked(&cl.tokenWaiter)
	} else if _, ok := c.abandoned[h.Serial]; ok {
		delete(c.abandoned, h.Serial)
		// A stream-opening call given up on (its stream released, or about
		// to be), which the daemon accepted: the stream is open on its
		// side, so abort it there.
		_, gaveUp := c.closedStreams[h.Serial]
		gaveUp = gaveUp || c.streams[h.Serial] != nil
		c.mu.Unlock()
		putPacket(bp)
		closeFiles(files)
		if gaveUp && h.Status == protocol.StatusOK {
			c.abortLate(h)
		}
		return nil
	} else if _, ended := c.closedStreams[h.Serial]; ended && h.Status == protocol.StatusError {
		// The daemon's error for a stream already given up (an abort it
		// could not carry out): nothing waits for it.
		c.mu.Unlock()
		putPacket(bp)
		closeFiles(files)
		return nil
	} else if s := c.streams[h.Serial]; s != nil && h.Status == protocol.StatusError {
		// The daemon reports a failure of an open stream (a failed finish,
		// or a write it could not complete) as an error reply.
		c.mu.Unlock()
		return c.dispatchStream(h, bp, off)
	}
	c.mu.Unlock()
	if cl == nil {
		putPacket(bp)
		return fmt.Errorf("%w: reply with serial %d, which no call is waiting for (procedure %d)", ErrProtocol, h.Serial, h.Procedure)
	}
	if h.Program != cl.prog || h.Procedure != cl.proc {
		putPacket(bp)
		return fmt.Errorf("%w: reply with serial %d is for %s, but the call was %s", ErrProtocol, h.Serial, procName(h.Program, h.Procedure), procName(cl.prog, cl.proc))
	}
	cl.reply <- reply{h: h, pkt: bp, off: off, files: files}
	return nil
}

// call runs one procedure: it sends args (nil for none) and decodes the
// reply into ret (nil for none).
func (c *Conn) call(ctx context.Context, prog, vers uint32, proc int32, args, ret protocol.Value) error {
	return c.invoke(ctx, prog, vers, proc, encoderOf(args), decoderOf(ret))
}

// invoke is call with the arguments' encoding and the result's decoding
// methods given as functions (nil for none). The generated methods use it:
// the method values of their concrete argument and result structs do not
// make those escape to the heap, as a protocol.Value does, which spares
// two allocations per call.
func (c *Conn) invoke(ctx context.Context, prog, vers uint32, proc int32, enc func(*protocol.Encoder), dec func(*protocol.Decoder) error) error {
	_, err := c.roundTrip(ctx, protocol.Header{Program: prog, Version: vers, Procedure: proc, Type: protocol.Call}, enc, dec, nil)
	return err
}

// encoderOf returns v's encoding method, or nil when v is nil.
func encoderOf(v protocol.Value) func(*protocol.Encoder) {
	if v == nil {
		return nil
	}
	return v.EncodeXDR
}

// decoderOf returns v's decoding method, or nil when v is nil.
func decoderOf(v protocol.Value) func(*protocol.Decoder) error {
	if v == nil {
		return nil
	}
	return v.DecodeXDR
}

// callExtras are the rarer parts of a call.
type callExtras struct {
	// register runs under c.mu together with the registration of the call,
	// so that a stream can be routed before its first packet can arrive.
	register func(serial uint32)
	// sendFiles are passed with the call (CALL_WITH_FDS).
	sendFiles []*os.File
	// recvFiles receives the descriptors passed with the reply.
	recvFiles *[]*os.File
}

// roundTrip sends a call with the header h (whose serial it assigns) and
// waits for its reply. It returns the serial used.
func (c *Conn) roundTrip(ctx context.Context, h protocol.Header, enc func(*protocol.Encoder), dec func(*protocol.Decoder) error, x *callExtras) (uint32, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("virtwire: %s: %w", procName(h.Program, h.Procedure), err)
	}
	cl := callPool.Get().(*call)
	cl.prog, cl.proc = h.Program, h.Procedure
	c.mu.Lock()
	if c.err != nil {
		err := c.err
		c.mu.Unlock()
		callPool.Put(cl)
		return 0, err
	}
	c.serial++
	h.Serial = c.serial
	cl.serial = h.Serial
	c.pending[h.Serial] = cl
	if x != nil && x.register != nil {
		x.register(h.Serial)
	}
	// Calls with extras (streams, descriptors) leave reading to the
	// background reader, as do all calls while streams or event
	// registrations are open.
	cl.direct = x == nil && c.mayReadLocked()
	if !cl.direct {
		c.passive++
		if c.reading == readNone {
			c.startBackgroundLocked()
		}
	}
	c.mu.Unlock()

	var files []*os.File
	if x != nil {
		files = x.sendFiles
	}
	// cl may go back to its pool below (abandon), so its mode is read now.
	direct := cl.direct
	if mayArrive, err := c.sendFiles(ctx, h, enc, files); err != nil {
		if mayArrive {
			// The daemon may still get the call and answer it.
			c.abandon(ctx, cl)
		}
		c.mu.Lock()
		if !mayArrive {
			delete(c.pending, h.Serial)
		}
		if !direct {
			c.passive--
		}
		c.mu.Unlock()
		return h.Serial, err
	}

	r, err := c.await(ctx, cl)
	if !direct {
		c.mu.Lock()
		c.passive--
		c.mu.Unlock()
	}
	if err != nil {
		return h.Serial, err
	}
	callPool.Put(cl)
	if x != nil && x.recvFiles != nil {
		*x.recvFiles = r.files
	} else {
		closeFiles(r.files)
	}
	return h.Serial, c.finish(r, dec)
}

// await waits for cl's reply, reading the socket itself when cl may and
// no one else does. An error means no reply: the context ended (the call
// is then abandoned and cl back in its pool) or the connection failed.
func (c *Conn) await(ctx context.Context, cl *call) (reply, error) {
	if cl.direct {
		ask := false
		c.mu.Lock()
		_, pending := c.pending[cl.serial]
		switch {
		case c.err != nil, !pending:
			// The reply is in or on its way.
		case c.reading == readNone:
			c.reading = readCaller
			c.mu.Unlock()
			return c.readOwn(ctx, cl)
		case c.reading == readBackground:
			// Ask the background reader for the token, once.
			ask = !c.yieldAsked
			c.yieldAsked = true
			c.addWaiterLocked(&cl.tokenWaiter)
		default:
			c.addWaiterLocked(&cl.tokenWaiter)
		}
		c.mu.Unlock()
		if ask {
			c.interruptRead()
		}
	}
	select {
	case r := <-cl.reply:
		return r, nil
	case <-cl.token:
		return c.readOwn(ctx, cl)
	case <-ctx.Done():
		return reply{}, c.abandon(ctx, cl)
	case <-c.done:
		// A reply that arrived before the connection failed still counts.
		select {
		case r := <-cl.reply:
			return r, nil
		default:
		}
		return reply{}, c.Err()
	}
}

// testHookReadOwn, when set by a test, runs each time a caller starts
// reading for its own reply.
var testHookReadOwn func()

// readOwn reads as the token holder until cl's reply is in.
func (c *Conn) readOwn(ctx context.Context, cl *call) (reply, error) {
	if testHookReadOwn != nil {
		testHookReadOwn()
	}
	if err := c.readReply(ctx, cl); err != nil {
		if ctx.Err() != nil && c.Err() == nil {
			return reply{}, c.abandon(ctx, cl)
		}
		return reply{}, err
	}
	return <-cl.reply, nil
}

// abandon gives up on cl after its context ended: its late reply will be
// dropped, and a read token handed to it meanwhile goes on.
func (c *Conn) abandon(ctx context.Context, cl *call) error {
	c.mu.Lock()
	c.leaveWaitersLocked(&cl.tokenWaiter)
	_, waiting := c.pending[cl.serial]
	if waiting {
		delete(c.pending, cl.serial)
		c.abandoned[cl.serial] = struct{}{}
	}
	c.mu.Unlock()
	if !waiting {
		// The reader took the reply just now; it is in the channel.
		r := <-cl.reply
		putPacket(r.pkt)
		closeFiles(r.files)
	}
	err := fmt.Errorf("virtwire: %s: %w", procName(cl.prog, cl.proc), ctx.Err())
	callPool.Put(cl)
	return err
}

// send writes one packet without a body.
func (c *Conn) send(h protocol.Header) error {
	_, err := c.sendFiles(context.Background(), h, nil, nil)
	return err
}

// sendFiles encodes and writes one packet, followed by file descriptors
// when files is not empty (the header's type must then be CallWithFDs).
// See write for ctx and mayArrive.
func (c *Conn) sendFiles(ctx context.Context, h protocol.Header, enc func(*protocol.Encoder), files []*os.File) (mayArrive bool, err error) {
	e := encPool.Get().(*protocol.Encoder)
	e.Reset()
	e.StartPacket(h)
	if h.Type == protocol.CallWithFDs {
		e.Uint32(uint32(len(files)))
	}
	if enc != nil {
		enc(e)
	}
	pkt, err := e.FinishPacket()
	if err != nil {
		putEncoder(e)
		return false, fmt.Errorf("virtwire: %s: %w", procName(h.Program, h.Procedure), err)
	}
	return c.write(ctx, h, pkt, files, e)
}

func putEncoder(e *protocol.Encoder) {
	if cap(e.Bytes()) <= maxPooled {
		encPool.Put(e)
	}
}

// lockWrite waits for the turn to write, as long as ctx allows and the
// connection lives.
func (c *Conn) lockWrite(ctx context.Context) error {
	select {
	case c.wlock <- struct{}{}:
		return nil
	default:
	}
	select {
	case c.wlock <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-c.done:
		return c.Err()
	}
}

func (c *Conn) unlockWrite() { <-c.wlock }

// write writes pkt (held by e), and then files, and returns e to its pool
// when pkt is no longer needed. A daemon that reads nothing (frozen, or
// hostile) can block a write for as long as it likes, so write waits for
// its turn and for the write itself only while ctx lasts: when ctx ends
// first, the write goes on without the caller in a goroutine of its own
// (half a packet would break the connection), and mayArrive tells the
// caller that the daemon may still get it. On a raw socket the packet is
// first offered without waiting, and the goroutine is needed only when the
// socket cannot take it all. Files belong to the caller, so a write that
// passes some waits for the end.
func (c *Conn) write(ctx context.Context, h protocol.Header, pkt []byte, files []*os.File, e *protocol.Encoder) (mayArrive bool, err error) {
	if err := c.lockWrite(ctx); err != nil {
		putEncoder(e)
		if errors.Is(err, ctx.Err()) {
			err = fmt.Errorf("virtwire: %s: %w", procName(h.Program, h.Procedure), err)
		}
		return false, err
	}
	if ctx.Done() == nil || len(files) > 0 {
		err := c.writeLocked(h, pkt, 0, files)
		putEncoder(e)
		return false, err
	}
	off := 0
	if c.sock != nil {
		// What the socket takes at once needs no goroutine.
		n, err := c.sock.TryWrite(pkt)
		if err != nil || n == len(pkt) {
			err = c.wrote(h, pkt, err)
			putEncoder(e)
			return false, err
		}
		off = n
	}
	result := make(chan error, 1)
	c.aux.Add(1)
	go func() {
		defer c.aux.Done()
		err := c.writeLocked(h, pkt, off, nil)
		putEncoder(e)
		result <- err
	}()
	select {
	case err := <-result:
		return false, err
	case <-ctx.Done():
		return true, fmt.Errorf("virtwire: %s: %w", procName(h.Program, h.Procedure), ctx.Err())
	}
}

// writeLocked writes one packet from off on, and its files, while holding
// the write turn, which it gives back.
func (c *Conn) writeLocked(h protocol.Header, pkt []byte, off int, files []*os.File) error {
	var err error
	if c.sock != nil {
		_, err = c.sock.Write(pkt[off:])
	} else {
		_, err = c.nc.Write(pkt[off:])
	}
	if err == nil && len(files) > 0 {
		err = sendFDs(c.nc, files)
	}
	return c.wrote(h, pkt, err)
}

// wrote gives back the write turn after pkt was written, or failed with
// err, which then ends the connection.
func (c *Conn) wrote(h protocol.Header, pkt []byte, err error) error {
	c.unlockWrite()
	if err != nil {
		c.failIO(err)
		return c.Err()
	}
	if c.log != nil {
		c.logPacket("send", h, len(pkt))
	}
	return nil
}

// ownedReply is the body size from which a reply's strings point into its
// packet instead of a copy: the packet then goes to the reply rather than
// back to the pool, which saves copying large replies (XML documents, long
// lists) once more.
const ownedReply = 32 << 10

// finish turns a reply packet into the call's result.
func (c *Conn) finish(r reply, dec func(*protocol.Decoder) error) error {
	body := (*r.pkt)[r.off:]
	if r.h.Status == protocol.StatusOK && dec != nil && len(body) >= ownedReply {
		if err := protocol.DecodeOwnedWith(body, dec); err != nil {
			return fmt.Errorf("%w: %s: reply: %w", ErrProtocol, procName(r.h.Program, r.h.Procedure), err)
		}
		return nil
	}
	defer putPacket(r.pkt)
	switch r.h.Status {
	case protocol.StatusOK:
		if dec == nil {
			if len(body) != 0 {
				return fmt.Errorf("%w: %s: %d unexpected bytes in a reply that has no body", ErrProtocol, procName(r.h.Program, r.h.Procedure), len(body))
			}
			return nil
		}
		if err := protocol.DecodeWith(body, dec); err != nil {
			return fmt.Errorf("%w: %s: reply: %w", ErrProtocol, procName(r.h.Program, r.h.Procedure), err)
		}
		return nil
	case protocol.StatusError:
		var we protocol.Error
		if err := protocol.Decode(body, &we); err != nil {
			return fmt.Errorf("%w: %s: error reply is not a remote_error: %w", ErrProtocol, procName(r.h.Program, r.h.Procedure), err)
		}
		return newError(&we)
	default:
		return fmt.Errorf("%w: %s: reply with status %v", ErrProtocol, procName(r.h.Program, r.h.Procedure), r.h.Status)
	}
}

// answerPings sends PONGs until every PING received has had one sent after
// it. One goroutine does it all, so that a daemon flooding PINGs while it
// reads nothing cannot pile up goroutines waiting to write.
func (c *Conn) answerPings() {
	defer c.aux.Done()
	for {
		n := c.pings.Load()
		c.sendKeepalive(keepalive.ProcPong)
		if c.pings.Add(-n) == 0 {
			return
		}
	}
}

func (c *Conn) sendKeepalive(p keepalive.Procedure) {
	h := protocol.Header{Program: keepalive.Program, Version: keepalive.ProtocolVersion, Procedure: int32(p), Type: protocol.Message}
	_ = c.send(h)
}

func (c *Conn) logPacket(dir string, h protocol.Header, size int) {
	c.log.Debug("virtwire: packet", "dir", dir, "proc", procName(h.Program, h.Procedure),
		"type", h.Type.String(), "serial", h.Serial, "status", h.Status.String(), "bytes", size)
}

// procName names a procedure for errors and logs. It uses the programs'
// names only (not their Lookup tables), so that a program links the codecs
// of the procedures it calls and no others.
func procName(prog uint32, proc int32) string {
	var name string
	switch prog {
	case remote.Program:
		name = remote.Procedure(proc).String()
	case qemu.Program:
		name = qemu.Procedure(proc).String()
	case lxc.Program:
		name = lxc.Procedure(proc).String()
	case keepalive.Program:
		return keepalive.Procedure(proc).String()
	}
	// String spells unknown numbers Procedure(N).
	if name != "" && !strings.HasPrefix(name, "Procedure(") {
		return name
	}
	return fmt.Sprintf("procedure %d of program %#x", proc, prog)
}

// Call runs any procedure of any program by number: it sends args (nil
// for none) and decodes the reply into ret (nil for none). The generated
// methods are built on it; use it for procedures of programs or daemons
// newer than this package.
func (c *Conn) Call(ctx context.Context, prog, vers uint32, proc int32, args, ret protocol.Value) error {
	return c.call(ctx, prog, vers, proc, args, ret)
}
