package lab

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// RouteTable reads a host's kernel routes over one netlink socket opened
// in its namespace. Routes (one `ip route` process per call) costs
// milliseconds; a dump over a socket kept open costs microseconds for a
// small table, which is what lets a test watch a route every few
// milliseconds, or count ten thousand routes while they arrive.
type RouteTable struct {
	h     *netlink.Handle
	links map[int]string // interface names by index, looked up once
}

// RouteTable opens the host's route table; Close it when done.
func (h *Host) RouteTable() (*RouteTable, error) {
	ns, err := netns.GetFromName(h.Netns)
	if err != nil {
		return nil, fmt.Errorf("%s: route table: %w", h.Name, err)
	}
	defer ns.Close()
	nh, err := netlink.NewHandleAt(ns, unix.NETLINK_ROUTE)
	if err != nil {
		return nil, fmt.Errorf("%s: route table: %w", h.Name, err)
	}
	return &RouteTable{h: nh, links: map[int]string{}}, nil
}

// Close closes the socket.
func (t *RouteTable) Close() { t.h.Close() }

// dumpRetries bounds the dumps retried because the table changed while it
// was read (the kernel then flags the dump as inconsistent).
const dumpRetries = 20

// Within returns the main table's routes whose destination lies inside
// prefix (a route equal to it included), of prefix's family.
func (t *RouteTable) Within(prefix netip.Prefix) ([]Route, error) {
	family := netlink.FAMILY_V4
	if prefix.Addr().Is6() {
		family = netlink.FAMILY_V6
	}
	var raw []netlink.Route
	var err error
	for range dumpRetries {
		raw, err = t.h.RouteList(nil, family)
		if !errors.Is(err, netlink.ErrDumpInterrupted) {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("route dump: %w", err)
	}
	var out []Route
	for _, r := range raw {
		if r.Dst == nil {
			continue
		}
		dst, ok := netip.AddrFromSlice(r.Dst.IP)
		if !ok {
			continue
		}
		bits, _ := r.Dst.Mask.Size()
		p := netip.PrefixFrom(dst.Unmap(), bits)
		if p.Bits() < prefix.Bits() || !prefix.Contains(p.Addr()) {
			continue
		}
		out = append(out, t.route(p, r))
	}
	return out, nil
}

// route converts one netlink route: a multipath route carries its paths
// in MultiPath, a plain one its gateway itself.
func (t *RouteTable) route(dst netip.Prefix, r netlink.Route) Route {
	rt := Route{Dst: dst, Protocol: r.Protocol.String()}
	if gw, ok := netip.AddrFromSlice(r.Gw); ok {
		rt.NextHops = append(rt.NextHops, NextHop{Gateway: gw.Unmap(), Dev: t.link(r.LinkIndex)})
	}
	for _, nh := range r.MultiPath {
		if gw, ok := netip.AddrFromSlice(nh.Gw); ok {
			rt.NextHops = append(rt.NextHops, NextHop{Gateway: gw.Unmap(), Dev: t.link(nh.LinkIndex)})
		}
	}
	return rt
}

// link names an interface, from the cache after the first time.
func (t *RouteTable) link(index int) string {
	if name, ok := t.links[index]; ok {
		return name
	}
	var name string
	if l, err := t.h.LinkByIndex(index); err == nil {
		name = l.Attrs().Name
	}
	t.links[index] = name
	return name
}
