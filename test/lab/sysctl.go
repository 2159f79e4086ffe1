package lab

import (
	"fmt"
	"os"
	"strings"
)

// sysctl is one kernel setting; net.* settings belong to the network
// namespace of the thread that writes them, so they are written from inside
// Host.Do.
type sysctl struct{ key, value string }

// baseSysctls apply to every namespace, before its interfaces exist so that
// they inherit the defaults.
var baseSysctls = []sysctl{
	// Duplicate address detection would hold every IPv6 address for ≈2 s.
	{"net.ipv6.conf.all.accept_dad", "0"},
	{"net.ipv6.conf.default.accept_dad", "0"},
}

// nodeSysctls make a namespace behave like a Kubernetes node with a
// load-balancer speaker on it.
var nodeSysctls = []sysctl{
	// kube-proxy forwards to backends on other nodes.
	{"net.ipv4.ip_forward", "1"},
	{"net.ipv6.conf.all.forwarding", "1"},
	// The speaker sends neighbour advertisements from the virtual address
	// itself, which the node does not hold.
	{"net.ipv6.ip_nonlocal_bind", "1"},
	// Answer ARP only for addresses on the asking interface and source it
	// from there: pod addresses, and a virtual address held locally, must
	// not be claimed by every node on the segment.
	{"net.ipv4.conf.all.arp_ignore", "1"},
	{"net.ipv4.conf.all.arp_announce", "2"},
}

// clientSysctls let the client learn from unsolicited announcements, so a
// test sees which node claims an address.
var clientSysctls = []sysctl{
	// A gratuitous ARP otherwise only updates an existing entry.
	{"net.ipv4.conf." + hostIface + ".arp_accept", "1"},
	// Likewise for unsolicited NA, which the kernel honours only on a
	// router (RFC 9131), hence forwarding on the client's interface.
	{"net.ipv6.conf." + hostIface + ".accept_untracked_na", "1"},
	{"net.ipv6.conf." + hostIface + ".forwarding", "1"},
}

// sysctls writes the settings through /proc/sys, in the calling thread's
// network namespace.
func sysctls(settings []sysctl) error {
	for _, s := range settings {
		path := "/proc/sys/" + strings.ReplaceAll(s.key, ".", "/")
		if err := os.WriteFile(path, []byte(s.value), 0o644); err != nil {
			return fmt.Errorf("sysctl %s=%s: %w", s.key, s.value, err)
		}
	}
	return nil
}
