//go:build linux && (amd64 || arm64)

package edge

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// wsPoller watches idle /ws connections with one epoll instance, so an idle
// connection parks no goroutine: when a connection becomes readable (a
// frame, the peer's close, an error) the poller starts a goroutine that
// reads one frame and re-arms the connection (EPOLLONESHOT: at most one
// reader per connection at a time).
//
// Registrations are named by an id, never by the file descriptor: a closed
// connection's number may be reused at once by a new one, and an event
// already taken from epoll for the old one must not reach the new one.
// Every epoll_ctl runs inside RawConn.Control, which keeps the descriptor
// open (and its number ours) for the call.
type wsPoller struct {
	epfd, wake int
	ready      func(*wsClient) bool // reads one frame; false when the connection is done

	mu     sync.Mutex
	conns  map[uint64]*wsClient
	next   uint64
	closed bool
	exited chan struct{}

	// fdMu keeps epfd open during an epoll_ctl: close closes it only
	// after the loop has exited and no call is running.
	fdMu     sync.RWMutex
	fdClosed bool
}

const wsPollEvents = unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLONESHOT

var errPollerClosed = errors.New("edge: websocket poller closed")

func newWSPoller(ready func(*wsClient) bool) (*wsPoller, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("edge: epoll_create: %w", err)
	}
	wake, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		_ = unix.Close(epfd)
		return nil, fmt.Errorf("edge: eventfd: %w", err)
	}
	// Id 0 is the wake-up descriptor.
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, wake, &unix.EpollEvent{Events: unix.EPOLLIN}); err != nil {
		_ = unix.Close(epfd)
		_ = unix.Close(wake)
		return nil, fmt.Errorf("edge: epoll_ctl wake: %w", err)
	}
	p := &wsPoller{epfd: epfd, wake: wake, ready: ready, conns: map[uint64]*wsClient{}, exited: make(chan struct{})}
	go p.loop()
	return p, nil
}

func setPollID(ev *unix.EpollEvent, id uint64) {
	ev.Fd, ev.Pad = int32(uint32(id)), int32(uint32(id>>32))
}

func pollID(ev *unix.EpollEvent) uint64 { return uint64(uint32(ev.Fd)) | uint64(uint32(ev.Pad))<<32 }

// watch registers c's connection; it fails for a connection without a
// descriptor (the caller then reads it with a goroutine) and for one
// already torn down. It runs under c.mu, so the teardown (which sets
// stopped under c.mu, then forgets) never misses a registration.
func (p *wsPoller) watch(c *wsClient) error {
	sc, ok := c.ws.conn.(syscall.Conn)
	if !ok {
		return errors.New("edge: connection has no descriptor")
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return fmt.Errorf("edge: watch: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return errWSClosed
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return errPollerClosed
	}
	p.next++
	id := p.next
	c.rc, c.pollID = rc, id
	p.conns[id] = c
	p.mu.Unlock()
	if err := p.ctl(c, unix.EPOLL_CTL_ADD); err != nil {
		p.mu.Lock()
		delete(p.conns, id)
		p.mu.Unlock()
		c.rc, c.pollID = nil, 0
		return err
	}
	c.poll = p
	return nil
}

// serve reads what arrived on c, then lets the poller report c again.
func (p *wsPoller) serve(c *wsClient) {
	if p.ready(c) {
		if err := p.rearm(c); err != nil {
			c.close()
		}
	}
}

// rearm lets the poller report c again after a reader finished.
func (p *wsPoller) rearm(c *wsClient) error { return p.ctl(c, unix.EPOLL_CTL_MOD) }

// forget unregisters c (before its connection is closed).
func (p *wsPoller) forget(c *wsClient) {
	p.mu.Lock()
	delete(p.conns, c.pollID)
	p.mu.Unlock()
	_ = p.ctl(c, unix.EPOLL_CTL_DEL)
}

func (p *wsPoller) ctl(c *wsClient, op int) error {
	p.fdMu.RLock()
	defer p.fdMu.RUnlock()
	if p.fdClosed {
		return errPollerClosed
	}
	var err error
	cerr := c.rc.Control(func(fd uintptr) {
		ev := unix.EpollEvent{Events: wsPollEvents}
		setPollID(&ev, c.pollID)
		err = unix.EpollCtl(p.epfd, op, int(fd), &ev)
	})
	if cerr != nil {
		return fmt.Errorf("edge: epoll_ctl: %w", cerr)
	}
	if err != nil {
		return fmt.Errorf("edge: epoll_ctl: %w", err)
	}
	return nil
}

// close stops the poller; connections still watched are not closed (the
// hub closes them).
func (p *wsPoller) close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		<-p.exited
		return
	}
	p.closed = true
	p.mu.Unlock()
	var one [8]byte
	binary.NativeEndian.PutUint64(one[:], 1)
	_, _ = unix.Write(p.wake, one[:])
	<-p.exited
	p.fdMu.Lock()
	p.fdClosed = true
	_ = unix.Close(p.epfd)
	_ = unix.Close(p.wake)
	p.fdMu.Unlock()
}

func (p *wsPoller) loop() {
	defer close(p.exited)
	evs := make([]unix.EpollEvent, 128)
	for {
		n, err := unix.EpollWait(p.epfd, evs, -1)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return
		}
		for i := range evs[:n] {
			id := pollID(&evs[i])
			p.mu.Lock()
			if id == 0 && p.closed {
				p.mu.Unlock()
				return
			}
			c := p.conns[id]
			p.mu.Unlock()
			if c != nil {
				go p.serve(c)
			}
		}
	}
}
