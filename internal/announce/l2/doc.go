// Package l2 answers ARP (IPv4) and NDP (IPv6) for virtual addresses this
// node owns, the way MetalLB's layer 2 mode does: the node that owns a
// LoadBalancer address claims it on the link with its own MAC address, and
// traffic for it reaches this node, where kube-proxy takes over.
//
// The caller decides, the Announcer does. SetDesired takes the whole set of
// addresses this node should answer for, each with the interfaces to answer
// on (none named means every suitable one), and converges to it before
// returning: removed addresses are no longer answered, new ones are
// answered and announced with a short burst of gratuitous ARP or unsolicited
// Neighbor Advertisements so that neighbours move over at once instead of
// waiting for their caches to expire. Owned reports what is answered now.
//
// The addresses are never configured on an interface: the kernel would then
// answer for them itself, on every node. Instead each interface in use gets
// a responder — a packet socket for ARP, a raw ICMPv6 socket joined to the
// solicited-node groups of the owned IPv6 addresses — with one goroutine
// answering requests and one sending the periodic announcements.
//
// Neighbour Advertisements are sent from the virtual address itself, because
// some clients (ndisc6, for one) ignore an advertisement whose source
// differs from its target. The ICMPv6 socket is opened with IPV6_FREEBIND
// (Linux 4.15 or later) so the kernel accepts that source without the
// namespace-wide net.ipv6.ip_nonlocal_bind sysctl.
//
// Interfaces come and go. A responder whose socket fails logs, backs off and
// retries, and asks for a resync; every ResyncInterval the Announcer re-reads
// the node's interfaces and re-applies the last desired set, which forgets
// responders on vanished interfaces and opens them on new ones. The resync
// runs in the network namespace the Announcer was created in, so that it
// opens sockets next to the ones SetDesired opened.
//
// Privileges: CAP_NET_RAW for the packet and raw sockets. CAP_SYS_ADMIN only
// if New is called on a thread that was moved into another namespace than
// the process's (tests do that; the speaker does not).
//
// Limitation shared with MetalLB: unicast Neighbor Solicitations (a client
// re-checking an existing cache entry) are addressed to the virtual address,
// which the kernel does not hold, so they are dropped before reaching any
// socket. The client then falls back to multicast solicitation, which is
// answered; the periodic unsolicited advertisements keep such fallbacks rare.
package l2
