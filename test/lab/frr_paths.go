package lab

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
)

func (frr) bgpPaths(ctx context.Context, r *Router, prefix netip.Prefix) ([]BGPPath, error) {
	af := "ipv4"
	if prefix.Addr().Is6() {
		af = "ipv6"
	}
	out, err := vtysh(ctx, r, "bgpd", fmt.Sprintf("show bgp %s unicast %s json", af, prefix))
	if err != nil {
		return nil, err
	}
	return parseFRRPaths(out)
}

// frrPaths is the part of `show bgp <afi> unicast <prefix> json` that
// BGPPaths reads; an unknown prefix gives {}.
type frrPaths struct {
	Paths []struct {
		ASPath struct {
			Segments []struct {
				List []uint32 `json:"list"`
			} `json:"segments"`
		} `json:"aspath"`
		LocPrf    uint32 `json:"locPrf"`
		Community struct {
			List []string `json:"list"`
		} `json:"community"`
		LargeCommunity struct {
			List []string `json:"list"`
		} `json:"largeCommunity"`
		Nexthops []struct {
			IP string `json:"ip"`
		} `json:"nexthops"`
	} `json:"paths"`
}

func parseFRRPaths(out []byte) ([]BGPPath, error) {
	var doc frrPaths
	if err := json.Unmarshal(out, &doc); err != nil {
		return nil, fmt.Errorf("show bgp json: %w", err)
	}
	var paths []BGPPath
	for _, p := range doc.Paths {
		bp := BGPPath{LocalPref: p.LocPrf, Communities: p.Community.List, LargeCommunities: p.LargeCommunity.List}
		for _, s := range p.ASPath.Segments {
			bp.ASPath = append(bp.ASPath, s.List...)
		}
		if len(p.Nexthops) > 0 {
			a, err := netip.ParseAddr(p.Nexthops[0].IP)
			if err != nil {
				return nil, fmt.Errorf("show bgp json: next hop %q: %w", p.Nexthops[0].IP, err)
			}
			bp.NextHop = a
		}
		paths = append(paths, bp)
	}
	return paths, nil
}
