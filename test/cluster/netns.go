package cluster

import (
	"context"
	"net"

	"github.com/farol-lb/farol/test/internal/nsthread"
)

// Options.Netns runs the control plane inside a named network namespace
// (/run/netns/NAME), as the network lab does: its addresses then exist only
// there, so everything the harness itself opens towards etcd and the API
// server, and every connection through Config, must start there too.

// freePorts picks ports on the spawner's thread: a listening socket belongs
// to the namespace of the thread that opens it.
func (c *Cluster) freePorts(n int) ([]int, error) {
	var ports []int
	var err error
	c.spawner.Do(func() { ports, err = freePorts(c.opts.ListenAddress, n) })
	return ports, err
}

// dial opens a connection to the cluster, inside Options.Netns if set. It is
// what the harness's probes use and, in a namespace, Config.Dial.
func (c *Cluster) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	if c.opts.Netns == "" {
		return d.DialContext(ctx, network, addr)
	}
	type result struct {
		conn net.Conn
		err  error
	}
	done := make(chan result, 1)
	// The thread stays locked: when the goroutine ends the runtime discards
	// it instead of letting another goroutine run in the namespace. The
	// connection outlives it; only its creation is bound to the namespace.
	nsthread.GoLocked(func() {
		if err := nsthread.Enter(c.opts.Netns); err != nil {
			done <- result{err: err}
			return
		}
		conn, err := d.DialContext(ctx, network, addr)
		done <- result{conn, err}
	})
	r := <-done
	return r.conn, r.err
}

// enterNetns moves the calling thread, which must be locked, into the
// namespace name.
