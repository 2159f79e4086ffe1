package bgp

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"slices"

	api "github.com/osrg/gobgp/v4/api"
	"github.com/osrg/gobgp/v4/pkg/apiutil"
	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
)

// Path is one prefix this node advertises. GoBGP keeps one local path per
// prefix, so the caller merges what several advertisements want for one
// prefix into one Path.
type Path struct {
	// Prefix is a host route (/32, /128) or an aggregate.
	Prefix netip.Prefix
	// Communities are standard communities, ASN<<16 | value.
	Communities []uint32
	// LargeCommunities (RFC 8092).
	LargeCommunities []LargeCommunity
	// LocalPref, when not 0, is sent to iBGP peers; eBGP peers never see
	// it, as RFC 4271 says.
	LocalPref uint32
	// Peers names the peers the path goes to; none means all.
	Peers []string
}

// LargeCommunity is ASN:LocalData1:LocalData2.
type LargeCommunity struct {
	ASN, LocalData1, LocalData2 uint32
}

// normalise masks the prefix and sorts and de-duplicates the lists, so that
// equal intents compare equal.
func (p Path) normalise() (Path, error) {
	if !p.Prefix.IsValid() {
		return p, fmt.Errorf("%w: invalid prefix %v", ErrInvalidPath, p.Prefix)
	}
	p.Prefix = canonical(p.Prefix)
	p.Communities = slices.Compact(slices.Sorted(slices.Values(p.Communities)))
	p.LargeCommunities = slices.Compact(slices.SortedFunc(slices.Values(p.LargeCommunities), func(a, b LargeCommunity) int {
		return cmp.Or(cmp.Compare(a.ASN, b.ASN), cmp.Compare(a.LocalData1, b.LocalData1), cmp.Compare(a.LocalData2, b.LocalData2))
	}))
	p.Peers = slices.Compact(slices.Sorted(slices.Values(p.Peers)))
	return p, nil
}

// canonical masks p and turns an IPv4-mapped prefix into IPv4:
// ::ffff:a.b.c.d/n is a.b.c.d/(n-96).
func canonical(p netip.Prefix) netip.Prefix {
	if addr := p.Addr(); addr.Is4In6() {
		p = netip.PrefixFrom(addr.Unmap(), max(p.Bits()-96, 0))
	}
	return p.Masked()
}

func (p Path) equal(o Path) bool {
	return p.Prefix == o.Prefix && p.LocalPref == o.LocalPref &&
		slices.Equal(p.Communities, o.Communities) &&
		slices.Equal(p.LargeCommunities, o.LargeCommunities) &&
		slices.Equal(p.Peers, o.Peers)
}

// sameAttributes tells whether p and o send the same UPDATE.
func (p Path) sameAttributes(o Path) bool {
	q := o
	q.Peers = p.Peers
	return p.equal(q)
}

// goesTo tells whether the path is meant for the peer called name.
func (p Path) goesTo(name string) bool {
	return len(p.Peers) == 0 || slices.Contains(p.Peers, name)
}

// Paths returns what is advertised now, sorted by prefix.
func (a *Announcer) Paths() []Path {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.SortedFunc(maps.Values(a.paths), func(x, y Path) int {
		return cmp.Or(x.Prefix.Addr().Compare(y.Prefix.Addr()), cmp.Compare(x.Prefix.Bits(), y.Prefix.Bits()))
	})
}

// SetPaths replaces the whole set of advertised paths; only the prefixes
// whose Path changed are announced or withdrawn.
func (a *Announcer) SetPaths(ctx context.Context, paths []Path) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return ErrClosed
	}
	keep := make(map[netip.Prefix]bool, len(paths))
	for _, p := range paths {
		if n, err := p.normalise(); err == nil {
			keep[n.Prefix] = true
		}
	}
	var unset []netip.Prefix
	for pfx := range a.paths {
		if !keep[pfx] {
			unset = append(unset, pfx)
		}
	}
	return a.change(ctx, paths, unset)
}

// Change announces the paths in set (new ones, or changed attributes or
// peers) and withdraws the prefixes in unset, leaving every other path
// alone.
func (a *Announcer) Change(ctx context.Context, set []Path, unset []netip.Prefix) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return ErrClosed
	}
	return a.change(ctx, set, unset)
}

// change applies a delta. Announcements go after their filters are in
// place, withdrawals before theirs are lifted, so that no peer ever gets a
// path not meant for it. The caller holds mu.
func (a *Announcer) change(ctx context.Context, set []Path, unset []netip.Prefix) error {
	var errs []error
	var withdraw []*apiutil.Path
	for _, pfx := range unset {
		pfx = canonical(pfx)
		if old, ok := a.paths[pfx]; ok {
			withdraw = append(withdraw, a.apiPath(old))
		}
	}
	if len(withdraw) > 0 {
		if err := a.bgp.DeletePath(apiutil.DeletePathRequest{Paths: withdraw}); err != nil {
			return fmt.Errorf("withdraw paths: %w", err)
		}
		for _, pfx := range unset {
			pfx = canonical(pfx)
			if _, ok := a.paths[pfx]; ok {
				delete(a.paths, pfx)
				errs = append(errs, a.restrict(ctx, pfx, Path{}))
			}
		}
		a.log.Info("bgp paths withdrawn", "count", len(withdraw))
	}

	var announce []*apiutil.Path
	seen := make(map[netip.Prefix]bool, len(set))
	resend := map[string]bool{} // peers a known path now goes to or no longer goes to
	for _, p := range set {
		n, err := p.normalise()
		if err == nil && seen[n.Prefix] {
			err = fmt.Errorf("%w: prefix %v given twice", ErrInvalidPath, n.Prefix)
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		seen[n.Prefix] = true
		old, had := a.paths[n.Prefix]
		if had && old.equal(n) {
			continue
		}
		if !had || !slices.Equal(old.Peers, n.Peers) {
			if err := a.restrict(ctx, n.Prefix, n); err != nil {
				errs = append(errs, err)
				continue
			}
		}
		if had {
			for name := range a.peers {
				if old.goesTo(name) != n.goesTo(name) {
					resend[name] = true
				}
			}
		}
		if !had || !old.sameAttributes(n) {
			announce = append(announce, a.apiPath(n))
		}
		a.paths[n.Prefix] = n
	}
	if len(announce) > 0 {
		if _, err := a.bgp.AddPath(apiutil.AddPathRequest{Paths: announce}); err != nil {
			errs = append(errs, fmt.Errorf("announce paths: %w", err))
		}
		a.log.Info("bgp paths announced", "count", len(announce))
	}
	return errors.Join(append(errs, a.resendTo(ctx, resend))...)
}

// resendTo re-evaluates the export policy for the named peers, which sends
// them the paths they now get and withdraws those they no longer get: GoBGP
// does not do that by itself when only a policy changed. It costs a
// re-send of every path to those peers, never their session, and happens
// only when a path's peer list changes. The caller holds mu.
func (a *Announcer) resendTo(ctx context.Context, names map[string]bool) error {
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(names)) {
		e := a.peers[name]
		err := a.bgp.ResetPeer(ctx, &api.ResetPeerRequest{
			Address: e.peer.Address.String(), Soft: true, Direction: api.ResetPeerRequest_DIRECTION_OUT,
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("re-send paths to peer %s: %w", name, err))
		}
	}
	return errors.Join(errs...)
}

// apiPath translates p into a GoBGP path with this node's next hop.
func (a *Announcer) apiPath(p Path) *apiutil.Path {
	nlri, _ := bgp.NewIPAddrPrefix(p.Prefix) // valid: normalise checked it
	fam, nh := bgp.RF_IPv4_UC, a.opts.NextHopIPv4
	if !nh.IsValid() {
		nh = netip.IPv4Unspecified()
	}
	if p.Prefix.Addr().Is6() {
		fam, nh = bgp.RF_IPv6_UC, a.opts.NextHopIPv6
		if !nh.IsValid() {
			nh = netip.IPv6Unspecified()
		}
	}
	attrs := []bgp.PathAttributeInterface{bgp.NewPathAttributeOrigin(bgp.BGP_ORIGIN_ATTR_TYPE_IGP)}
	if fam == bgp.RF_IPv4_UC && nh.Is4() {
		a, _ := bgp.NewPathAttributeNextHop(nh)
		attrs = append(attrs, a)
	} else {
		a, _ := bgp.NewPathAttributeMpReachNLRI(fam, []bgp.PathNLRI{{NLRI: nlri}}, nh)
		attrs = append(attrs, a)
	}
	if len(p.Communities) > 0 {
		attrs = append(attrs, bgp.NewPathAttributeCommunities(p.Communities))
	}
	if len(p.LargeCommunities) > 0 {
		var lc []*bgp.LargeCommunity
		for _, c := range p.LargeCommunities {
			lc = append(lc, bgp.NewLargeCommunity(c.ASN, c.LocalData1, c.LocalData2))
		}
		attrs = append(attrs, bgp.NewPathAttributeLargeCommunities(lc))
	}
	if p.LocalPref != 0 {
		attrs = append(attrs, bgp.NewPathAttributeLocalPref(p.LocalPref))
	}
	return &apiutil.Path{Family: fam, Nlri: nlri, Attrs: attrs}
}
