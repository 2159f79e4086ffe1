package bgp

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
)

// dialErrors keeps, per peer address, why GoBGP's last attempt to open the
// session's TCP connection failed, until a connection opens. GoBGP tells
// it only in a debug log line ("failed to connect"), not in its API: a
// session that never connects has no disconnect reason, and with a wrong
// TCP MD5 password that is all there is to see, because the router drops
// the unsigned SYN without an answer. Its own lock: GoBGP logs from its
// peer goroutines, which the Announcer's lock may be waiting for.
type dialErrors struct {
	mu sync.Mutex
	by map[netip.Addr]string
}

func (d *dialErrors) set(addr netip.Addr, err string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.by == nil {
		d.by = map[netip.Addr]string{}
	}
	d.by[addr] = err
}

func (d *dialErrors) clear(addr netip.Addr) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.by, addr)
}

func (d *dialErrors) get(addr netip.Addr) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.by[addr]
}

// dialText is a failed dial as the node's status says it: the same text
// for every failed attempt, so that the status is not rewritten for each.
func dialText(p Peer, err string) string {
	port := p.Port
	if port == 0 {
		port = 179
	}
	text := "no TCP connection to " + netip.AddrPortFrom(p.Address, port).String() + " (" + err + ")"
	switch {
	case strings.Contains(err, "timeout"):
		return text + ": connection attempts time out; a router drops a connection whose TCP MD5 password is wrong or missing without answering, so check the password, and that the router is reachable and has this node as a neighbour"
	case strings.Contains(err, "refused"):
		return text + ": the router refuses the connection; check that it listens on that port and has this node as a neighbour"
	}
	return text
}

// dialWatch passes GoBGP's log on to the Announcer's logger, and takes
// the failed dials out of it. The peer goroutines log through a logger
// with the attributes Topic=Peer and Key=<peer address>; only there are
// debug records made at all.
type dialWatch struct {
	inner slog.Handler
	errs  *dialErrors
	peer  netip.Addr // invalid outside a peer's logger
}

var _ slog.Handler = dialWatch{}

func (h dialWatch) Enabled(ctx context.Context, l slog.Level) bool {
	return h.peer.IsValid() || h.inner.Enabled(ctx, l)
}

func (h dialWatch) Handle(ctx context.Context, r slog.Record) error {
	if h.peer.IsValid() && r.Message == "failed to connect" {
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "Error" {
				h.errs.set(h.peer, a.Value.String())
				return false
			}
			return true
		})
	}
	if !h.inner.Enabled(ctx, r.Level) {
		return nil
	}
	if err := h.inner.Handle(ctx, r); err != nil {
		return fmt.Errorf("gobgp log: %w", err)
	}
	return nil
}

func (h dialWatch) WithAttrs(attrs []slog.Attr) slog.Handler {
	out := dialWatch{inner: h.inner.WithAttrs(attrs), errs: h.errs, peer: h.peer}
	var topic, key string
	for _, a := range attrs {
		switch a.Key {
		case "Topic":
			topic = a.Value.String()
		case "Key":
			key = a.Value.String()
		}
	}
	if topic == "Peer" {
		if addr, err := netip.ParseAddr(key); err == nil {
			out.peer = addr.Unmap()
		}
	}
	return out
}

func (h dialWatch) WithGroup(name string) slog.Handler {
	return dialWatch{inner: h.inner.WithGroup(name), errs: h.errs, peer: h.peer}
}
