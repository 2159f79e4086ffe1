package l2

import (
	"net"
	"net/netip"
)

// wire is one protocol's socket on one interface: ARP or NDP. The responder
// around it decides what to answer; the wire only speaks the protocol.
type wire interface {
	// receive blocks until a request for some address, or another node's
	// unsolicited claim of one, arrives; it skips everything else (replies,
	// our own frames).
	receive() (request, error)
	// reply answers req, claiming req.target with the interface's MAC.
	reply(req request) error
	// announce claims addr unsolicited on the whole link and returns the
	// number of packets sent.
	announce(addr netip.Addr) (int, error)
	// join and leave start and stop receiving requests for addr, where the
	// protocol needs it (NDP's solicited-node multicast groups).
	join(addr netip.Addr) error
	leave(addr netip.Addr) error
	close() error
}

// request is an ARP request or a Neighbor Solicitation, or, with claim
// set, another node's gratuitous ARP or unsolicited Neighbor Advertisement
// for target: it answers for target now.
type request struct {
	target    netip.Addr       // the address asked about, or claimed
	sender    netip.Addr       // the asker's address; unspecified for a duplicate address probe
	senderMAC net.HardwareAddr // ARP: where to send the reply; a claim: the claimer's MAC
	claim     bool
}

// netInterface builds the net.Interface the socket libraries want.
func netInterface(ifi ifaceInfo) *net.Interface {
	return &net.Interface{Index: ifi.Index, Name: ifi.Name, HardwareAddr: ifi.MAC}
}
