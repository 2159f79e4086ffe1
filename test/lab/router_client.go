package lab

import (
	"context"
	"fmt"
	"net/netip"
)

// clientViaRouterSysctls keep the client on the routes RouteClient gives
// it: the kernel would otherwise follow a redirect straight to a node.
var clientViaRouterSysctls = []sysctl{
	{"net.ipv4.conf.all.accept_redirects", "0"},
	{"net.ipv4.conf." + hostIface + ".accept_redirects", "0"},
	{"net.ipv6.conf.all.accept_redirects", "0"},
	{"net.ipv6.conf." + hostIface + ".accept_redirects", "0"},
}

// RouteClient sends the client's traffic for the prefixes (Service
// addresses; more specific than the segment they may lie in) through the
// router, which spreads it over the next hops BGP gave it.
func (r *Router) RouteClient(ctx context.Context, prefixes ...netip.Prefix) error {
	c := r.Host.lab.Client
	if err := c.Do(func() error { return sysctls(clientViaRouterSysctls) }); err != nil {
		return err
	}
	var lines []string
	for _, p := range prefixes {
		via := r.Host.IPv4
		if p.Addr().Is6() {
			via = r.Host.IPv6
		}
		lines = append(lines, fmt.Sprintf("route replace %s via %s dev %s", p.Masked(), via, c.Iface))
	}
	return c.ipBatch(ctx, lines)
}
