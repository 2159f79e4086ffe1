// Package bfd is Bidirectional Forwarding Detection (RFC 5880, single hop
// RFC 5881), asynchronous mode, as pure logic: the packet codec and one
// session's state machine with an injected clock. It opens no socket; a
// runner feeds it the packets it receives and the time, and sends what it
// returns (decide, then do).
//
// Why not GoBGP's built-in BFD: v4.8.0 (the newest served here) can stay
// in a permanent flap after a detection timeout (gobgp#3561), ignores the
// peer's Required Min RX Interval (gobgp#3563), and against FRR, whose
// bfdd first answers from 0.0.0.0 and then from the interface address, it
// keeps the first session and resets BGP every few seconds (seen in this
// project's router lab). The protocol itself is small.
//
// Not implemented: demand mode, the echo function, authentication
// (packets with the A bit are discarded, as RFC 5880 6.8.6 requires
// without configured authentication).
package bfd
