package l2

import (
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"slices"
)

// Change sets the interfaces of the addresses in set (none named: every
// suitable one) and stops answering for those in unset, leaving every other
// address alone, and converges before returning, as SetDesired does. It
// costs work for the changed addresses only, so that one Service's change
// does not re-resolve every address the node answers for, and the error
// names only changed addresses that cannot be answered.
func (a *Announcer) Change(set map[netip.Addr][]string, unset []netip.Addr) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return ErrClosed
	}
	for _, addr := range unset {
		delete(a.want, addr)
	}
	for addr, names := range set {
		a.want[addr] = slices.Clone(names)
	}
	addrs := slices.Collect(maps.Keys(set))
	addrs = append(addrs, unset...)
	return a.applyOnly(addrs)
}

// Answered returns, for each of addrs that is answered now, its sorted
// interface names.
func (a *Announcer) Answered(addrs ...netip.Addr) map[netip.Addr][]string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.currentOf(addrs).byAddress()
}

// applyOnly converges the given addresses to a.want, like apply does for
// all. The caller holds mu.
func (a *Announcer) applyOnly(addrs []netip.Addr) error {
	ifaces, err := listInterfaces()
	if err != nil {
		return fmt.Errorf("apply desired addresses: %w", err)
	}
	sub := make(map[netip.Addr][]string, len(addrs))
	for _, addr := range addrs {
		if names, ok := a.want[addr]; ok {
			sub[addr] = names
		}
	}
	want, resolveErr := resolve(sub, ifaces, a.opts.RequireSubnet)
	before := a.currentOf(addrs)
	errs := append([]error{resolveErr}, a.converge(diff(before, want), ifaces)...)
	a.countChange(before, a.currentOf(addrs))
	return errors.Join(errs...)
}

// currentOf is the placement of the given addresses only. The caller
// holds mu.
func (a *Announcer) currentOf(addrs []netip.Addr) placement {
	p := make(placement)
	for l, r := range a.responders {
		for _, addr := range addrs {
			if r.has(addr) {
				p.add(l, addr)
			}
		}
	}
	return p
}

// countChange moves the owned-addresses gauges by what changed between two
// placements of the same addresses.
func (a *Announcer) countChange(before, after placement) {
	b, n := before.countByFamily(), after.countByFamily()
	for _, fam := range []family{famIPv4, famIPv6} {
		if d := n[fam] - b[fam]; d != 0 {
			a.metrics.owned.WithLabelValues(fam.String()).Add(float64(d))
		}
	}
}
