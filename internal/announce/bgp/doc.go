// Package bgp advertises this node's LoadBalancer addresses to the
// operator's routers over BGP, with the GoBGP library embedded: one BGP
// instance per node, its peers and its paths driven by the speaker's
// decisions.
//
// The caller decides, the Announcer does. SetPeers takes the whole set of
// peers this node must have sessions with and touches only what changed: a
// new peer is added, a vanished one removed, a changed one re-created (its
// session resets, as it must when an OPEN parameter changes) — except that a
// change of BFD settings alone is applied without a reset on this side. A
// peer whose
// configuration is unchanged keeps its session, whatever else changes.
// SetPaths takes the whole set of prefixes to advertise and Change only a
// delta; both send updates for the changed prefixes only, so that one
// Service's change costs one UPDATE and never a session.
//
// Only our own paths leave this node. A global export policy accepts local
// routes and rejects everything else, so routes a router sends us are never
// passed on to another router (GoBGP would otherwise re-advertise them). No
// import policy is set: a global import policy with a default reject would
// drop our own paths as well. A path meant for some peers only is kept from
// the others by one extra export policy per peer, matching that peer's
// neighbor set and a prefix set of what it must not receive.
//
// Every session carries IPv4 and IPv6 unicast (MP-BGP), whatever the family
// of its transport; the next hop of a prefix is this node's address of the
// prefix's family (Options.NextHopIPv4/NextHopIPv6), or, when that is not
// configured, the session's local address.
//
// Shutdown withdraws every path, waits until each established session has
// written the withdrawal, then closes the sessions with an administrative
// shutdown, so that routers stop sending traffic before the session drops.
//
// GoBGP's own BFD is never turned on: in v4.8.0 it can kill the next
// session after an expiry (gobgp#3561), ignores the router's Required Min
// RX (gobgp#3563), and against FRR, whose bfdd first answers from 0.0.0.0,
// it keeps the wrong session. Farol runs BFD itself (internal/bfd, tested
// against FRR and BIRD in test/lab), and its listener would collide with
// GoBGP's on UDP 3784 anyway.
//
// A session reset by BFD or a NOTIFICATION is dialled again after one
// second, not GoBGP's default of 30: a blip of the link must not keep the
// node's routes away for half a minute.
package bgp
