package lab

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The lab's fixed addressing. Namespaces isolate it from the host and from
// other labs, so every run can use the same numbers.
var (
	subnet4 = netip.MustParsePrefix("10.77.0.0/16")
	subnet6 = netip.MustParsePrefix("fd00:77::/64")
)

const (
	vips4 = "10.77.0.200-10.77.0.250"
	vips6 = "fd00:77::200-fd00:77::2ff"
	// clusterCIDRs covers every node's pod ranges; kube-proxy uses it to
	// tell pod traffic from external traffic.
	clusterCIDRs = "10.244.0.0/16,fd00:244::/48"
	bridgeName   = "br0"
	hostIface    = "eth0"
	podsIface    = "pods"
)

// linkTimeout bounds the wait for carrier: the kernel applies it through
// linkwatch, up to a second after the link is set up.
const linkTimeout = 10 * time.Second

// newHost plans a host whose addresses end in n (10.77.0.<n>, fd00:77::<n>,
// the same digits in both) and whose MAC ends in n too.
func (l *Lab) newHost(name string, n int) *Host {
	return &Host{
		Name:  name,
		Netns: l.Prefix + "-" + name,
		Iface: hostIface,
		IPv4:  netip.AddrFrom4([4]byte{10, 77, 0, byte(n)}),
		IPv6:  netip.MustParseAddr(fmt.Sprintf("fd00:77::%d", n)),
		MAC:   net.HardwareAddr{0x02, 0xfa, 0x77, 0, 0, byte(n)},
		lab:   l,
		peer:  name,
	}
}

// plan fills in every host of the lab without creating anything.
func (l *Lab) plan() {
	l.bridge = &Host{Name: "br", Netns: l.Prefix + "-br", lab: l}
	l.Router = l.newHost("router", 1)
	l.Routers = []*Host{l.Router}
	for i := 2; i <= l.opts.Routers; i++ {
		l.Routers = append(l.Routers, l.newHost(fmt.Sprintf("router-%d", i), 2+i))
	}
	l.ControlPlane = l.newHost("cp", 2)
	l.Client = l.newHost("client", 3)
	for i := 1; i <= l.opts.Nodes; i++ {
		n := &Node{
			Host:     *l.newHost(fmt.Sprintf("node-%d", i), 10+i),
			PodCIDR4: netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 244, byte(i), 0}), 24),
			PodCIDR6: netip.MustParsePrefix(fmt.Sprintf("fd00:244:%d::/64", i)),
		}
		l.Nodes = append(l.Nodes, n)
	}
}

// hosts are all hosts on the segment, nodes last.
func (l *Lab) hosts() []*Host {
	hs := append([]*Host{l.ControlPlane, l.Client}, l.Routers...)
	for _, n := range l.Nodes {
		hs = append(hs, &n.Host)
	}
	return hs
}

// buildNetwork creates the namespaces, the bridge and every veth pair,
// addresses and routes, and waits until every host has carrier.
func (l *Lab) buildNetwork(ctx context.Context) error {
	all := append([]*Host{l.bridge}, l.hosts()...)
	for _, h := range all {
		if _, err := os.Stat(filepath.Join("/run/netns", h.Netns)); err == nil {
			return fmt.Errorf("network namespace %s already exists (leftover of an earlier run? lab.Cleanup(%q) removes it)", h.Netns, l.Prefix)
		}
	}
	for _, h := range all {
		if err := runIP(ctx, []string{"netns", "add", h.Netns}, ""); err != nil {
			return err
		}
		l.made = append(l.made, h.Netns)
		// Before any interface exists, so that every one inherits it.
		if err := h.Do(func() error { return sysctls(baseSysctls) }); err != nil {
			return err
		}
	}
	for _, n := range l.Nodes {
		if err := n.Do(func() error { return sysctls(nodeSysctls) }); err != nil {
			return err
		}
	}
	if err := l.createLinks(ctx); err != nil {
		return err
	}
	if err := l.Client.Do(func() error { return sysctls(clientSysctls) }); err != nil {
		return err
	}
	if err := l.bridge.ipBatch(ctx, l.bridgeConfig()); err != nil {
		return err
	}
	for _, h := range l.hosts() {
		if err := h.ipBatch(ctx, l.hostConfig(h)); err != nil {
			return err
		}
	}
	for _, h := range l.hosts() {
		if err := h.waitCarrier(ctx); err != nil {
			return err
		}
	}
	return nil
}

// createLinks makes the bridge, the veth pairs and the nodes' pods links in
// one ip process. Each link is born in its own namespace: the host's network
// never sees it.
func (l *Lab) createLinks(ctx context.Context) error {
	lines := []string{
		fmt.Sprintf("link add %s netns %s type bridge mcast_snooping 0", bridgeName, l.bridge.Netns),
	}
	for _, h := range l.hosts() {
		lines = append(lines, fmt.Sprintf("link add %s netns %s address %s type veth peer name %s netns %s",
			h.Iface, h.Netns, h.MAC, h.peer, l.bridge.Netns))
	}
	for _, n := range l.Nodes {
		lines = append(lines, fmt.Sprintf("link add %s netns %s type ifb", podsIface, n.Netns))
	}
	return runIP(ctx, []string{"-batch", "-"}, strings.Join(lines, "\n")+"\n")
}

func (l *Lab) bridgeConfig() []string {
	lines := []string{"link set lo up", "link set " + bridgeName + " up"}
	for _, h := range l.hosts() {
		lines = append(lines, fmt.Sprintf("link set %s master %s up", h.peer, bridgeName))
	}
	return lines
}

// hostConfig brings h's links up and gives it its addresses and, on a node,
// routes to the other nodes' pod ranges, which is how kube-proxy on one node
// reaches a backend on another.
func (l *Lab) hostConfig(h *Host) []string {
	lines := []string{
		"link set lo up",
		fmt.Sprintf("link set %s up", h.Iface),
		fmt.Sprintf("addr add %s dev %s", netip.PrefixFrom(h.IPv4, subnet4.Bits()), h.Iface),
		fmt.Sprintf("addr add %s dev %s nodad", netip.PrefixFrom(h.IPv6, subnet6.Bits()), h.Iface),
	}
	self := l.node(h.Name)
	if self == nil {
		return lines
	}
	lines = append(lines, "link set "+podsIface+" up")
	for _, n := range l.Nodes {
		if n == self {
			continue
		}
		lines = append(lines,
			fmt.Sprintf("route add %s via %s dev %s", n.PodCIDR4, n.IPv4, h.Iface),
			fmt.Sprintf("route add %s via %s dev %s", n.PodCIDR6, n.IPv6, h.Iface))
	}
	return lines
}

// node returns the node called name, or nil.
func (l *Lab) node(name string) *Node {
	for _, n := range l.Nodes {
		if n.Name == name {
			return n
		}
	}
	return nil
}

// waitCarrier waits until h's interface has an IPv6 link-local address,
// which the kernel adds only once the link has carrier: before that, IPv6
// has no route to the segment and neighbour discovery fails.
func (h *Host) waitCarrier(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, linkTimeout)
	defer cancel()
	for {
		var up bool
		err := h.Do(func() error {
			ifc, err := net.InterfaceByName(h.Iface)
			if err != nil {
				return err
			}
			addrs, err := ifc.Addrs()
			if err != nil {
				return err
			}
			for _, a := range addrs {
				if ipn, ok := a.(*net.IPNet); ok && ipn.IP.IsLinkLocalUnicast() && ifc.Flags&net.FlagRunning != 0 {
					up = true
				}
			}
			return nil
		})
		if err != nil || up {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %s has no carrier: %w", h.Name, h.Iface, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}
