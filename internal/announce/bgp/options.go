package bgp

import (
	"log/slog"
	"net/netip"
)

// Options configures an Announcer.
type Options struct {
	// Logger receives the Announcer's and GoBGP's logs; nil discards them.
	Logger *slog.Logger
	// RouterID is the BGP identifier, by convention an IPv4 address of the
	// node. Required.
	RouterID netip.Addr
	// ASN is this node's AS number, used with every peer that does not
	// set its own LocalASN. Required.
	ASN uint32
	// ListenPort is where GoBGP accepts sessions: 0 means BGP's port 179,
	// -1 not at all (the node only dials, which is all a speaker needs).
	ListenPort int32
	// ListenAddresses restricts the listener; none means every address.
	ListenAddresses []netip.Addr
	// NextHopIPv4 and NextHopIPv6 are this node's addresses advertised as
	// the next hop of IPv4 and IPv6 prefixes on every session, which lets
	// an IPv6 prefix travel over an IPv4 session and vice versa. An
	// unset one lets GoBGP use the session's local address, which is
	// right only for prefixes of the session's own family.
	NextHopIPv4 netip.Addr
	NextHopIPv6 netip.Addr
}

// bgpPort is BGP's well-known port.
const bgpPort = 179

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.ListenPort == 0 {
		o.ListenPort = bgpPort
	}
	return o
}
