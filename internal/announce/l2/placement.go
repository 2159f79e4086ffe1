package l2

import (
	"cmp"
	"net/netip"
	"slices"
)

// family is the address family, which decides the protocol: ARP or NDP.
type family uint8

const (
	famIPv4 family = iota + 1
	famIPv6
)

func familyOf(a netip.Addr) family {
	if a.Is4() {
		return famIPv4
	}
	return famIPv6
}

// String is the family's metric label value.
func (f family) String() string {
	switch f {
	case famIPv4:
		return "ipv4"
	case famIPv6:
		return "ipv6"
	}
	return "unknown"
}

// link is one responder's identity: an interface and a family, since ARP and
// NDP need different sockets.
type link struct {
	name string
	fam  family
}

func compareLinks(a, b link) int {
	return cmp.Or(cmp.Compare(a.name, b.name), cmp.Compare(a.fam, b.fam))
}

// placement says which addresses are answered on which link. It is used both
// for what should be (from resolve) and for what is (from the responders).
type placement map[link]map[netip.Addr]struct{}

func (p placement) add(l link, a netip.Addr) {
	set := p[l]
	if set == nil {
		set = make(map[netip.Addr]struct{})
		p[l] = set
	}
	set[a] = struct{}{}
}

// byAddress turns the placement around into the shape of Owned: address to
// sorted interface names.
func (p placement) byAddress() map[netip.Addr][]string {
	out := make(map[netip.Addr][]string)
	for l, set := range p {
		for a := range set {
			out[a] = append(out[a], l.name)
		}
	}
	for _, names := range out {
		slices.Sort(names)
	}
	return out
}

// countByFamily counts distinct addresses, whatever the number of interfaces
// each is answered on.
func (p placement) countByFamily() map[family]int {
	n := map[family]int{famIPv4: 0, famIPv6: 0}
	for a := range p.byAddress() {
		n[familyOf(a)]++
	}
	return n
}
