package decision

import (
	"net/netip"
	"slices"
	"time"
)

// BGPPeer is one BGPPeer with defaults applied and its node selector
// resolved into a predicate by the caller (internal/config).
type BGPPeer struct {
	Name    string
	Address netip.Addr
	// ASN is the router's AS number, MyASN this node's; equal means iBGP.
	ASN, MyASN uint32
	Port       uint16
	// Source is the local address to dial from; invalid lets the kernel
	// choose.
	Source netip.Addr
	// Hold 0 means no keepalives and no hold timer (RFC 4271).
	Hold, Keepalive, Connect time.Duration
	// MultiHop is the TTL of an eBGP session to a router that is not
	// directly connected; 0 means directly connected.
	MultiHop uint8
	// PasswordSecret names the Secret (in the speaker's namespace) that
	// holds the TCP MD5 password; empty Name means no password.
	PasswordSecret SecretKey
	// Password is the TCP MD5 password, filled in by the speaker from
	// PasswordSecret: the translation does not read Secrets.
	Password        string
	GracefulRestart bool
	// BFD is nil when the peer has no BFD session.
	BFD *BFD
	// RouterID is the BGP identifier; invalid means the node's choice.
	RouterID netip.Addr
	// Node reports whether the peer selects a node; nil selects every
	// node.
	Node func(labels map[string]string) bool
}

// IBGP reports whether the session is internal (both ends in one AS).
func (p BGPPeer) IBGP() bool { return p.ASN == p.MyASN }

// Selects reports whether a node with these labels opens the session.
func (p BGPPeer) Selects(labels map[string]string) bool { return p.Node == nil || p.Node(labels) }

// SecretKey names one key of a Secret.
type SecretKey struct{ Name, Key string }

// BFD are the timers of a BFD session (RFC 5880 6.8.1).
type BFD struct {
	MinRx, MinTx time.Duration
	Multiplier   uint8
}

// BGPAdvertisement is one BGPAdvertisement with its selectors resolved by
// the caller into predicates.
type BGPAdvertisement struct {
	Name string
	// Pool reports whether the advertisement selects a pool (by name);
	// nil selects every pool.
	Pool func(pool string) bool
	// AggregationV4 and AggregationV6 are the prefix lengths addresses
	// are advertised with (32 and 128 for host routes).
	AggregationV4, AggregationV6 int
	Communities                  []Community
	// LocalPref is nil when the advertisement sets none.
	LocalPref *uint32
	// Peers names the peers to advertise to; empty means every peer.
	Peers []string
	// Node reports whether the advertisement selects a node; nil selects
	// every node.
	Node func(labels map[string]string) bool
}

// ToPeer reports whether the advertisement goes to the named peer.
func (a BGPAdvertisement) ToPeer(peer string) bool {
	return len(a.Peers) == 0 || slices.Contains(a.Peers, peer)
}

// SelectsPool reports whether the advertisement covers a pool.
func (a BGPAdvertisement) SelectsPool(pool string) bool { return a.Pool == nil || a.Pool(pool) }

// SelectsNode reports whether a node with these labels advertises.
func (a BGPAdvertisement) SelectsNode(labels map[string]string) bool {
	return a.Node == nil || a.Node(labels)
}

// Prefix is the route advertised for addr: addr itself as a host route,
// or the block of the aggregation length around it.
func (a BGPAdvertisement) Prefix(addr netip.Addr) netip.Prefix {
	bits := a.AggregationV6
	if addr.Is4() {
		bits = a.AggregationV4
	}
	p, err := addr.Prefix(bits)
	if err != nil { // an out-of-range length, which translation refuses
		return netip.PrefixFrom(addr, addr.BitLen())
	}
	return p
}
