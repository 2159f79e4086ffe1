package lab

import (
	"context"
	"fmt"
	"net/netip"
)

// BGPPath is one path to a prefix in the router's BGP table (its
// Adj-RIB-In after import), with the attributes tests look at.
type BGPPath struct {
	// NextHop is the path's BGP next hop.
	NextHop netip.Addr
	// ASPath is the AS_PATH, empty for a route from an iBGP neighbor.
	ASPath []uint32
	// Communities are the standard communities ("65000:100"),
	// LargeCommunities the large ones ("1:2:3"), as the router lists them.
	Communities, LargeCommunities []string
	// LocalPref is LOCAL_PREF, 0 when the path has none.
	LocalPref uint32
}

// BGPPaths returns the router's BGP paths for exactly prefix: none when it
// has no route to it.
func (r *Router) BGPPaths(ctx context.Context, prefix netip.Prefix) ([]BGPPath, error) {
	p, err := r.daemon.bgpPaths(ctx, r, prefix.Masked())
	if err != nil {
		return nil, fmt.Errorf("%s paths to %s: %w", r.Options.Daemon, prefix, err)
	}
	return p, nil
}
