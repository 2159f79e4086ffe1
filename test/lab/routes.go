package lab

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"os/exec"
	"strings"
)

// Route is one kernel route, as `ip -j route` shows it.
type Route struct {
	Dst netip.Prefix
	// Protocol is who installed it: bgp (FRR's zebra), bird, kernel, ...
	Protocol string
	// NextHops has one entry per path: one for a plain route, several for
	// a multipath one.
	NextHops []NextHop
}

// NextHop is one path of a route.
type NextHop struct {
	Gateway netip.Addr
	Dev     string
}

// ipRoute is an entry of `ip -j route`: a multipath route lists its paths
// under nexthops, a plain one has gateway and dev itself.
type ipRoute struct {
	Dst      string `json:"dst"`
	Protocol string `json:"protocol"`
	Gateway  string `json:"gateway"`
	Dev      string `json:"dev"`
	NextHops []struct {
		Gateway string `json:"gateway"`
		Dev     string `json:"dev"`
	} `json:"nexthops"`
}

// Routes returns the routes for exactly prefix in the host's main table.
func (h *Host) Routes(ctx context.Context, prefix netip.Prefix) ([]Route, error) {
	family := "-4"
	if prefix.Addr().Is6() {
		family = "-6"
	}
	args := []string{"-n", h.Netns, "-j", family, "route", "show", "exact", prefix.Masked().String()}
	out, err := exec.CommandContext(ctx, "ip", args...).Output()
	if err != nil {
		return nil, fmt.Errorf("%s: ip %s: %w", h.Name, strings.Join(args, " "), err)
	}
	routes, err := parseIPRoutes(out)
	if err != nil {
		return nil, fmt.Errorf("%s: ip %s: %w", h.Name, strings.Join(args, " "), err)
	}
	return routes, nil
}

func parseIPRoutes(out []byte) ([]Route, error) {
	var raw []ipRoute
	if err := json.Unmarshal(out, &raw); err != nil {
		return nil, err
	}
	var routes []Route
	for _, e := range raw {
		dst, err := parsePrefixOrAddr(e.Dst)
		if err != nil {
			return nil, err
		}
		r := Route{Dst: dst, Protocol: e.Protocol}
		if e.Gateway != "" {
			nh, err := nextHop(e.Gateway, e.Dev)
			if err != nil {
				return nil, err
			}
			r.NextHops = append(r.NextHops, nh)
		}
		for _, n := range e.NextHops {
			nh, err := nextHop(n.Gateway, n.Dev)
			if err != nil {
				return nil, err
			}
			r.NextHops = append(r.NextHops, nh)
		}
		routes = append(routes, r)
	}
	return routes, nil
}

// parsePrefixOrAddr reads a route's destination: ip writes a host route
// without its length.
func parsePrefixOrAddr(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		return netip.ParsePrefix(s)
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

func nextHop(gw, dev string) (NextHop, error) {
	a, err := netip.ParseAddr(gw)
	if err != nil {
		return NextHop{}, fmt.Errorf("gateway %q: %w", gw, err)
	}
	return NextHop{Gateway: a, Dev: dev}, nil
}

// Gateways lists the next hops' addresses of all routes.
func Gateways(routes []Route) []netip.Addr {
	var gws []netip.Addr
	for _, r := range routes {
		for _, nh := range r.NextHops {
			gws = append(gws, nh.Gateway)
		}
	}
	return gws
}
