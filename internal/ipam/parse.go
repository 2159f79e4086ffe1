package ipam

import (
	"fmt"
	"math/big"
	"net/netip"
	"strings"
)

// Family is an IP address family.
type Family int

// The zero Family is invalid on purpose, so a forgotten field is caught.
const (
	IPv4 Family = iota + 1
	IPv6
)

func (f Family) String() string {
	switch f {
	case IPv4:
		return "IPv4"
	case IPv6:
		return "IPv6"
	}
	return fmt.Sprintf("Family(%d)", int(f))
}

func (f Family) valid() bool { return f == IPv4 || f == IPv6 }

// other returns the second family of a dual-stack pair.
func (f Family) other() Family {
	if f == IPv4 {
		return IPv6
	}
	return IPv4
}

// FamilyOf is the family of an address (IPv4-mapped addresses count as
// IPv6; unmap them first).
func FamilyOf(a netip.Addr) Family {
	if a.Is4() {
		return IPv4
	}
	return IPv6
}

// Range is an inclusive span of addresses of one family. ParseRange only
// produces plain IPv4 or IPv6 addresses: never 4-in-6, never zoned.
type Range struct {
	First, Last netip.Addr
}

// ParseRange parses a CIDR ("10.0.0.0/24", "2001:db8::/120") or an inclusive
// range ("10.0.0.10-10.0.0.49", spaces around the dash allowed).
func ParseRange(s string) (Range, error) {
	in := strings.TrimSpace(s)
	if strings.Contains(in, "%") {
		return Range{}, parseErr(s, ErrZone, "zones are not allowed")
	}
	if a, b, ok := strings.Cut(in, "-"); ok {
		return parseDash(s, strings.TrimSpace(a), strings.TrimSpace(b))
	}
	if strings.Contains(in, "/") {
		return parseCIDR(s, in)
	}
	return Range{}, parseErr(s, ErrMalformed, "want a CIDR (10.0.0.0/24) or a range (10.0.0.10-10.0.0.49)")
}

func parseCIDR(s, in string) (Range, error) {
	p, err := netip.ParsePrefix(in)
	if err != nil {
		return Range{}, parseErr(s, ErrMalformed, "not a CIDR")
	}
	if p.Addr().Is4In6() {
		return Range{}, parseErr(s, ErrIPv4Mapped, "write IPv4-mapped addresses as plain IPv4")
	}
	if m := p.Masked(); m != p {
		return Range{}, parseErr(s, ErrHostBits, fmt.Sprintf("did you mean %s?", m))
	}
	return Range{First: p.Addr(), Last: lastOf(p)}, nil
}

func parseDash(s, a, b string) (Range, error) {
	first, err1 := netip.ParseAddr(a)
	last, err2 := netip.ParseAddr(b)
	if err1 != nil || err2 != nil {
		return Range{}, parseErr(s, ErrMalformed, "both ends of a range must be addresses")
	}
	if first.Is4In6() || last.Is4In6() {
		return Range{}, parseErr(s, ErrIPv4Mapped, "write IPv4-mapped addresses as plain IPv4")
	}
	if first.Is4() != last.Is4() {
		return Range{}, parseErr(s, ErrMixedFamilies, "both ends must be of one family")
	}
	if last.Less(first) {
		return Range{}, parseErr(s, ErrReversed, fmt.Sprintf("%s comes after %s", first, last))
	}
	return Range{First: first, Last: last}, nil
}

func parseErr(s string, sentinel error, why string) error {
	return errorf(sentinel, "invalid address range %q: %v: %s", s, sentinel, why)
}

// lastOf returns the highest address of a masked prefix.
func lastOf(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// validate checks a Range built by hand rather than by ParseRange.
func (r Range) validate() error {
	switch {
	case !r.First.IsValid() || !r.Last.IsValid():
		return errorf(ErrMalformed, "invalid address range %s: missing address", r)
	case r.First.Zone() != "" || r.Last.Zone() != "":
		return errorf(ErrZone, "invalid address range %s: zones are not allowed", r)
	case r.First.Is4In6() || (r.Last.Is4In6() && !r.isPrefix()):
		// A prefix such as ::/80 ends inside ::ffff:0:0/96 without naming
		// a mapped address; the allocator skips that block.
		return errorf(ErrIPv4Mapped, "invalid address range %s: write IPv4-mapped addresses as plain IPv4", r)
	case r.First.Is4() != r.Last.Is4():
		return errorf(ErrMixedFamilies, "invalid address range %s: both ends must be of one family", r)
	case r.Last.Less(r.First):
		return errorf(ErrReversed, "invalid address range %s: end before start", r)
	}
	return nil
}

// Family reports the family of the range's addresses.
func (r Range) Family() Family { return FamilyOf(r.First) }

// Contains reports whether a lies in the range. Addresses of the other family
// (including 4-in-6 forms of IPv4 addresses) are never contained.
func (r Range) Contains(a netip.Addr) bool {
	return r.First.Compare(a) <= 0 && a.Compare(r.Last) <= 0
}

// Overlaps reports whether the two ranges share at least one address.
func (r Range) Overlaps(o Range) bool {
	return r.First.BitLen() == o.First.BitLen() &&
		r.First.Compare(o.Last) <= 0 && o.First.Compare(r.Last) <= 0
}

// Size returns the number of addresses in the range. It is a big.Int because
// ::/0 holds 2^128 addresses, one more than fits in 128 bits.
func (r Range) Size() *big.Int {
	n := u128From(r.Last).sub(u128From(r.First)).big()
	return n.Add(n, big.NewInt(1))
}

// String returns the CIDR form when the range is exactly one prefix and the
// "first-last" form otherwise; ParseRange accepts both.
func (r Range) String() string {
	if !r.First.IsValid() || !r.Last.IsValid() {
		return fmt.Sprintf("%s-%s", r.First, r.Last)
	}
	if p, ok := r.prefix(); ok {
		return p.String()
	}
	return r.First.String() + "-" + r.Last.String()
}

func (r Range) isPrefix() bool {
	_, ok := r.prefix()
	return ok
}

// prefix returns the range as a prefix if it is one: First and Last must
// differ only in a run of trailing bits that is all zeros in First and all
// ones in Last.
func (r Range) prefix() (netip.Prefix, bool) {
	if r.First.BitLen() != r.Last.BitLen() {
		return netip.Prefix{}, false
	}
	f := u128From(r.First)
	x := f.xor(u128From(r.Last))
	if !x.and(x.add1()).isZero() || !f.and(x).isZero() {
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(r.First, r.First.BitLen()-x.onesCount()), true
}
