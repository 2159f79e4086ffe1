package l2

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
)

// ifaceInfo is what interface selection needs to know about a network
// interface. It is a plain value, read from the system by listInterfaces, so
// the rules below are tested without sockets.
type ifaceInfo struct {
	Name      string
	Index     int
	MAC       net.HardwareAddr
	Up        bool // administratively up and with carrier (IFF_RUNNING)
	Broadcast bool
	Loopback  bool
	Prefixes  []netip.Prefix // configured subnets, masked
}

// unsuitable says why ifi cannot answer for addr, or "" if it can. ARP and
// NDP as implemented here speak Ethernet, hence the broadcast flag and the
// 6-byte MAC. An interface without carrier would swallow the gratuitous
// burst, so it only counts once the link is up; the resync then places the
// address and the burst goes out on a live link.
func unsuitable(ifi ifaceInfo, addr netip.Addr, requireSubnet bool) string {
	switch {
	case !ifi.Up:
		return "down or without carrier"
	case ifi.Loopback:
		return "loopback"
	case !ifi.Broadcast:
		return "not broadcast-capable"
	case len(ifi.MAC) != 6:
		return "no Ethernet address"
	case requireSubnet && !slices.ContainsFunc(ifi.Prefixes, func(p netip.Prefix) bool { return p.Contains(addr) }):
		return "no subnet containing the address"
	}
	return ""
}

// validAddr rejects what cannot be a virtual address on a link. Link-local
// addresses are refused too: every interface has fe80::/64, so RequireSubnet
// would not hold them back, and no Service is reached through one.
func validAddr(a netip.Addr) error {
	if !a.IsValid() || a.Zone() != "" || a.Is4In6() || a.IsUnspecified() || a.IsLoopback() ||
		a.IsMulticast() || a.IsLinkLocalUnicast() {
		return fmt.Errorf("%w: %s", ErrInvalidAddress, a)
	}
	return nil
}

// resolve places every wanted address on the interfaces that answer for it:
// the named ones that are suitable, or every suitable one if none is named.
// An address that lands nowhere is reported (wrapping ErrNoInterface, with
// the reasons) and left out; the others are placed regardless.
func resolve(want map[netip.Addr][]string, ifaces []ifaceInfo, requireSubnet bool) (placement, error) {
	byName := make(map[string]ifaceInfo, len(ifaces))
	for _, ifi := range ifaces {
		byName[ifi.Name] = ifi
	}
	out := make(placement)
	var errs []error
	for _, addr := range sortedKeys(want) {
		if err := validAddr(addr); err != nil {
			errs = append(errs, err)
			continue
		}
		candidates, named := ifaces, want[addr]
		if len(named) > 0 {
			candidates = candidates[:0:0]
			for _, name := range named {
				ifi, ok := byName[name]
				if !ok {
					ifi = ifaceInfo{Name: name} // reported as down below: it does not exist
				}
				candidates = append(candidates, ifi)
			}
		}
		var why []string
		placed := false
		for _, ifi := range candidates {
			if reason := unsuitable(ifi, addr, requireSubnet); reason != "" {
				if _, exists := byName[ifi.Name]; !exists {
					reason = "not found"
				}
				why = append(why, ifi.Name+": "+reason)
				continue
			}
			out.add(link{ifi.Name, familyOf(addr)}, addr)
			placed = true
		}
		if !placed {
			errs = append(errs, noInterfaceError(addr, named, why))
		}
	}
	return out, errors.Join(errs...)
}

func noInterfaceError(addr netip.Addr, named, why []string) error {
	if len(named) == 0 {
		// Listing every interface of a node would drown the message.
		return fmt.Errorf("%w for %s: no interface is up, broadcast-capable, not loopback and (if required) on a subnet containing it", ErrNoInterface, addr)
	}
	return fmt.Errorf("%w for %s: %s", ErrNoInterface, addr, strings.Join(why, ", "))
}

func sortedKeys[V any](m map[netip.Addr]V) []netip.Addr {
	out := make([]netip.Addr, 0, len(m))
	for a := range m {
		out = append(out, a)
	}
	slices.SortFunc(out, netip.Addr.Compare)
	return out
}
