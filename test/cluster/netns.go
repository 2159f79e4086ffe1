package cluster

import (
	"context"
	"fmt"
	"net"
	"runtime"
	"syscall"

	"github.com/vishvananda/netns"
)

// Options.Netns runs the control plane inside a named network namespace
// (/run/netns/NAME), as the network lab does: its addresses then exist only
// there, so everything the harness itself opens towards etcd and the API
// server, and every connection through Config, must start there too.

// newSpawnerIn returns a spawner whose thread has entered the namespace
// name, so that every child it forks starts there. The thread is never
// unlocked, so it never runs anything else, and the runtime discards it
// once the spawner is closed.
func newSpawnerIn(name string) (*spawner, error) {
	if name == "" {
		return newSpawner(), nil
	}
	s := &spawner{reqs: make(chan func())}
	errc := make(chan error, 1)
	goLocked(func() {
		if err := enterNetns(name); err != nil {
			errc <- err
			return
		}
		errc <- nil
		for f := range s.reqs {
			f()
		}
	})
	if err := <-errc; err != nil {
		return nil, err
	}
	return s, nil
}

// freePorts picks ports on the spawner's thread: a listening socket belongs
// to the namespace of the thread that opens it.
func (c *Cluster) freePorts(n int) ([]int, error) {
	var ports []int
	errc := make(chan error, 1)
	c.spawner.reqs <- func() {
		var err error
		ports, err = freePorts(c.opts.ListenAddress, n)
		errc <- err
	}
	return ports, <-errc
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
	goLocked(func() {
		if err := enterNetns(c.opts.Netns); err != nil {
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
func enterNetns(name string) error {
	h, err := netns.GetFromName(name)
	if err != nil {
		return fmt.Errorf("network namespace %s: %w", name, err)
	}
	defer h.Close()
	if err := netns.Set(h); err != nil {
		return fmt.Errorf("enter network namespace %s: %w", name, err)
	}
	return nil
}

// goLocked runs fn on a new goroutine locked to an OS thread other than the
// process's main thread, and returns at once; if fn returns still locked,
// the runtime discards the thread. Not the main thread: tools such as
// ip netns pids read a process's namespace from it, and the runtime cannot
// discard it, so a goroutine exiting locked to it would wedge it, in the
// namespace, for the life of the process.
func goLocked(fn func()) {
	go func() {
		runtime.LockOSThread()
		if syscall.Gettid() != syscall.Getpid() {
			fn()
			return
		}
		// Holding the main thread, so the goroutine started now gets
		// another one; let go once it has locked it.
		locked := make(chan struct{})
		go func() {
			runtime.LockOSThread()
			close(locked)
			fn()
		}()
		<-locked
		runtime.UnlockOSThread()
	}()
}
