package lab

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"
)

// Backend is an HTTP server standing in for a pod: it listens on a pod
// address inside a node's namespace and is served by the test process. It
// answers every request with one line naming itself and the caller:
//
//	backend <node> <pod IP> client <remote address>
type Backend struct {
	// Node is where the pod address lives.
	Node *Node
	// Addr is the pod address and port it listens on.
	Addr netip.AddrPort

	srv       *http.Server
	served    chan struct{} // closed when Serve returns
	closeOnce sync.Once
	closeErr  error
}

// StartBackend adds podIP to the node's pods link, unless it is there
// already, and serves HTTP on podIP:port until Close or Lab.Stop. podIP must
// be inside one of the node's pod ranges, which the other nodes route here.
func (n *Node) StartBackend(podIP netip.Addr, port int) (*Backend, error) {
	b, err := n.startBackend(podIP.Unmap(), port)
	if err != nil {
		return nil, fmt.Errorf("%s: backend on %s: %w", n.Name, netip.AddrPortFrom(podIP, uint16(port)), err)
	}
	return b, nil
}

func (n *Node) startBackend(ip netip.Addr, port int) (*Backend, error) {
	if !n.PodCIDR4.Contains(ip) && !n.PodCIDR6.Contains(ip) {
		return nil, fmt.Errorf("not in the node's pod ranges %s, %s", n.PodCIDR4, n.PodCIDR6)
	}
	if port < 1 || port > 65535 {
		return nil, fmt.Errorf("port %d out of range", port)
	}
	addr := netip.PrefixFrom(ip, ip.BitLen()).String()
	args := []string{"addr", "replace", addr, "dev", podsIface}
	if ip.Is6() {
		args = append(args, "nodad")
	}
	if err := n.ip(context.Background(), args...); err != nil {
		return nil, err
	}
	b := &Backend{Node: n, Addr: netip.AddrPortFrom(ip, uint16(port)), served: make(chan struct{})}
	var ln net.Listener
	err := n.Do(func() error {
		var err error
		ln, err = net.Listen("tcp", b.Addr.String())
		return err
	})
	if err != nil {
		return nil, err
	}
	b.srv = &http.Server{Handler: http.HandlerFunc(b.answer), ReadHeaderTimeout: 5 * time.Second}

	l := n.lab
	l.mu.Lock()
	if l.stopped {
		l.mu.Unlock()
		ln.Close()
		return nil, errStopped
	}
	l.backends = append(l.backends, b)
	l.mu.Unlock()
	go func() {
		defer close(b.served)
		_ = b.srv.Serve(ln) // always an error; ErrServerClosed after Close
	}()
	return b, nil
}

func (b *Backend) answer(w http.ResponseWriter, r *http.Request) {
	fmt.Fprintf(w, "backend %s %s client %s\n", b.Node.Name, b.Addr.Addr(), r.RemoteAddr)
}

// Close stops listening and closes every open connection, like a pod that
// dies. The pod address stays on the node. Safe to call more than once.
func (b *Backend) Close() error {
	b.closeOnce.Do(func() {
		err := b.srv.Close()
		<-b.served
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			b.closeErr = fmt.Errorf("close backend %s on %s: %w", b.Addr, b.Node.Name, err)
		}
	})
	return b.closeErr
}
