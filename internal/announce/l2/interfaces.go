package l2

import (
	"errors"
	"fmt"
	"net"
	"net/netip"

	"github.com/vishvananda/netlink"
)

// listInterfaces reads the interfaces of the current network namespace. It
// asks netlink for all links and all addresses in two dumps, rather than
// one address dump per interface as net.Interface.Addrs does, because nodes
// with one veth per Pod have hundreds of interfaces and this runs on every
// SetDesired.
func listInterfaces() ([]ifaceInfo, error) {
	links, addrs, err := dumpLinks()
	if err != nil {
		return nil, err
	}
	prefixes := make(map[int][]netip.Prefix)
	for _, a := range addrs {
		if a.IPNet == nil {
			continue
		}
		ip, ok := netip.AddrFromSlice(a.IP)
		if !ok {
			continue
		}
		ones, _ := a.Mask.Size()
		p := netip.PrefixFrom(ip.Unmap(), ones).Masked()
		prefixes[a.LinkIndex] = append(prefixes[a.LinkIndex], p)
	}
	out := make([]ifaceInfo, 0, len(links))
	for _, l := range links {
		attrs := l.Attrs()
		out = append(out, ifaceInfo{
			Name:      attrs.Name,
			Index:     attrs.Index,
			MAC:       attrs.HardwareAddr,
			Up:        attrs.Flags&net.FlagUp != 0 && attrs.Flags&net.FlagRunning != 0,
			Broadcast: attrs.Flags&net.FlagBroadcast != 0,
			Loopback:  attrs.Flags&net.FlagLoopback != 0,
			Prefixes:  prefixes[attrs.Index],
		})
	}
	return out, nil
}

// dumpLinks retries a dump that the kernel interrupted because an interface
// changed meanwhile: the result could mix old and new state.
func dumpLinks() ([]netlink.Link, []netlink.Addr, error) {
	const attempts = 5
	var err error
	for range attempts {
		var links []netlink.Link
		var addrs []netlink.Addr
		links, err = netlink.LinkList()
		if err == nil {
			addrs, err = netlink.AddrList(nil, netlink.FAMILY_ALL)
		}
		if err == nil {
			return links, addrs, nil
		}
		if !errors.Is(err, netlink.ErrDumpInterrupted) {
			break
		}
	}
	return nil, nil, fmt.Errorf("list interfaces: %w", err)
}
