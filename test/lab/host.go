package lab

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os/exec"
	"runtime"
	"strings"
	"sync"

	"github.com/farol-lb/farol/test/internal/nsthread"
	"github.com/vishvananda/netns"
)

// Host is one machine of the lab: a network namespace with one interface on
// the shared segment.
type Host struct {
	// Name is the host's name in the lab: cp, client, router, node-<i>.
	// For a node it is also the Kubernetes Node name.
	Name string
	// Netns is the network namespace, as ip netns knows it.
	Netns string
	// Iface is the interface on the segment, inside Netns.
	Iface string
	// IPv4 and IPv6 are the host's addresses on Iface.
	IPv4, IPv6 netip.Addr
	// MAC is Iface's hardware address, fixed by the lab.
	MAC net.HardwareAddr

	lab  *Lab
	peer string // the bridge-side end of the veth pair, in the bridge namespace

	spOnce sync.Once
	sp     *nsthread.Spawner
	spErr  error
}

// Node is a host that is also a Kubernetes node.
type Node struct {
	Host
	// PodCIDR4 and PodCIDR6 are the node's pod ranges (also in the Node
	// object's spec.podCIDRs); the other nodes route them to this one.
	PodCIDR4, PodCIDR6 netip.Prefix
}

// Command returns a command that runs name inside the host's namespace
// through `ip netns exec`, which also mounts a /sys that shows the
// namespace's interfaces.
func (h *Host) Command(ctx context.Context, name string, args ...string) *exec.Cmd {
	return exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", h.Netns, name}, args...)...)
}

// Do runs fn on an OS thread switched into the host's namespace: sockets fn
// opens stay in the namespace for their whole life, whichever goroutine uses
// them later. fn runs on a goroutine of its own, so it must not call
// t.FailNow; it must not start goroutines that expect the namespace either.
// The thread returns to the scheduler only once it is back in its original
// namespace, otherwise the runtime discards it.
func (h *Host) Do(fn func() error) error {
	errc := make(chan error, 1)
	// Returning without UnlockOSThread discards the thread.
	nsthread.GoLocked(func() {
		orig, err := netns.Get()
		if err != nil {
			errc <- fmt.Errorf("current network namespace: %w", err)
			return
		}
		defer orig.Close()
		target, err := netns.GetFromName(h.Netns)
		if err != nil {
			errc <- fmt.Errorf("network namespace %s: %w", h.Netns, err)
			return
		}
		defer target.Close()
		if err := netns.Set(target); err != nil {
			errc <- fmt.Errorf("enter network namespace %s: %w", h.Netns, err)
			return
		}
		ferr := fn()
		if err := netns.Set(orig); err != nil {
			errc <- errors.Join(ferr, fmt.Errorf("leave network namespace %s: %w", h.Netns, err))
			return
		}
		runtime.UnlockOSThread()
		errc <- ferr
	})
	return <-errc
}

// DialContext opens a connection from inside the host's namespace; it fits
// http.Transport.DialContext and rest.Config.Dial.
func (h *Host) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	var conn net.Conn
	err := h.Do(func() error {
		var d net.Dialer
		var err error
		conn, err = d.DialContext(ctx, network, address)
		return err
	})
	return conn, err
}

// LinkDown cuts the host off the segment by setting the bridge side of its
// veth pair down: the host's own interface keeps its addresses and state
// but loses carrier, as if its cable were pulled.
func (h *Host) LinkDown() error {
	return h.lab.bridge.ip(context.Background(), "link", "set", h.peer, "down")
}

// LinkUp reconnects the host after LinkDown.
func (h *Host) LinkUp() error {
	return h.lab.bridge.ip(context.Background(), "link", "set", h.peer, "up")
}

// ip runs `ip -n <namespace> args...`.
func (h *Host) ip(ctx context.Context, args ...string) error {
	return runIP(ctx, append([]string{"-n", h.Netns}, args...), "")
}

// ipBatch runs the lines as one `ip -n <namespace> -batch -`: one process
// for a whole namespace's configuration.
func (h *Host) ipBatch(ctx context.Context, lines []string) error {
	return runIP(ctx, []string{"-n", h.Netns, "-batch", "-"}, strings.Join(lines, "\n")+"\n")
}

// runIP runs ip with stdin as its input; its output is the error message.
func runIP(ctx context.Context, args []string, stdin string) error {
	cmd := exec.CommandContext(ctx, "ip", args...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip %s: %w: %s", strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return nil
}
