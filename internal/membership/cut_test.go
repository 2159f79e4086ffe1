package membership

import (
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/memberlist"
)

// cutTransport sits between memberlist and its network transport and can
// drop everything in both directions, like a pulled cable or a stopped
// process whose sockets stay open: the closest an in-process test gets to
// SIGSTOP or a link cut.
type cutTransport struct {
	memberlist.Transport
	cut      atomic.Bool
	packets  chan *memberlist.Packet
	streams  chan net.Conn
	done     chan struct{}
	shutOnce sync.Once
}

var _ memberlist.Transport = (*cutTransport)(nil)

func newCutTransport(inner memberlist.Transport) *cutTransport {
	t := &cutTransport{
		Transport: inner,
		packets:   make(chan *memberlist.Packet),
		streams:   make(chan net.Conn),
		done:      make(chan struct{}),
	}
	go forward(t, inner.PacketCh(), t.packets, func(*memberlist.Packet) {})
	go forward(t, inner.StreamCh(), t.streams, func(c net.Conn) { _ = c.Close() })
	return t
}

// forward copies from in to out while the link is up and drops while it is
// cut.
func forward[T any](t *cutTransport, in <-chan T, out chan<- T, drop func(T)) {
	for {
		select {
		case v := <-in:
			if t.cut.Load() {
				drop(v)
				continue
			}
			select {
			case out <- v:
			case <-t.done:
				return
			}
		case <-t.done:
			return
		}
	}
}

func (t *cutTransport) PacketCh() <-chan *memberlist.Packet { return t.packets }
func (t *cutTransport) StreamCh() <-chan net.Conn           { return t.streams }

func (t *cutTransport) WriteTo(b []byte, addr string) (time.Time, error) {
	if t.cut.Load() {
		return time.Now(), nil // sent into the void, as UDP would be
	}
	return t.Transport.WriteTo(b, addr)
}

// DialTimeout on a cut link waits out the timeout, as a connect to an
// unreachable host does.
func (t *cutTransport) DialTimeout(addr string, timeout time.Duration) (net.Conn, error) {
	if t.cut.Load() {
		select {
		case <-time.After(timeout):
		case <-t.done:
		}
		return nil, errors.New("cut: i/o timeout")
	}
	return t.Transport.DialTimeout(addr, timeout)
}

// Shutdown stops the inner transport before the forwarding: its listeners
// block on unbuffered sends until someone reads, and it waits for them.
func (t *cutTransport) Shutdown() error {
	err := t.Transport.Shutdown()
	t.shutOnce.Do(func() { close(t.done) })
	return err
}
