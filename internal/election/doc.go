// Package election decides which speaker announces each address.
//
// Every speaker runs the same computation on the same inputs and reaches the
// same answer, so there is no leader and no vote: the "election" is a pure
// function of (address, candidate set, node names, protocol). The package
// imports only the standard library and knows nothing of Kubernetes; the
// caller works out, for each address, which nodes may announce it (live
// speakers ∩ nodes the advertisement selects ∩, for externalTrafficPolicy
// Local, nodes with a ready endpoint) and passes that set in.
//
// # Design: rendezvous hashing with a cell index (protocol 2)
//
// For each address every node has a fixed place in one total order, and the
// owner is the first candidate in that order; [Ring.Ranked] lists the next
// ones. The order, for an address at point h on a 64-bit circle, is:
//
//  1. nodes with a point in h's cell before the others. The circle is cut
//     into 2^15 equal cells and each node drops 64 points on it, derived
//     from its name (so it is "in" up to 64 cells);
//  2. then by rendezvous score mix(key(node) ^ h) | 1, highest first;
//  3. then by name (a tie of two 64-bit scores).
//
// Because the order does not depend on the candidate set, removing a node
// from the set moves only the addresses it owned (each to the node Ranked
// listed second) and adding one moves addresses only to it. This is exact,
// not statistical, for every set size, so there is no size threshold at
// which the rule changes and a leaving node reshuffles others. Because a
// node's points depend only on its name and the cell count is a constant,
// the same holds when the ring is rebuilt with a node more or less, at any
// ring size.
//
// The cells are what make the rule cheap when most nodes are candidates:
// the first level is read from a per-cell list (about 10 nodes a cell on a
// 5,000-node ring), so Owner scores only those nodes and only falls back to
// scoring every candidate when none of them is a candidate. The scores are
// what make it even when few are: a small set rarely has a node in the
// address's cell, so the owner is the rendezvous winner over the set, which
// gives each candidate exactly 1/k of the circle whatever the set. In
// between, each node's share is its 64 cells split with the other
// candidates in them plus an exactly even part of the rest, which keeps it
// within a few percent of 1/k.
//
// # Properties
//
//   - Deterministic: the answer depends on the set of names, never on input
//     order or map iteration.
//   - Minimal movement, exact: see above; Ranked(addr, c, 2)[1] is the owner
//     once Ranked(addr, c, 1)[0] leaves c.
//   - Even spread for every candidate set of two or more nodes. The shares
//     of the circle are within a few percent of 1/k; what remains is the
//     sampling of a finite address set, binomial as for a perfect hash: over
//     A addresses a relative standard deviation of sqrt((k-1)/A). The tests
//     hold 1,000 addresses over 2, 3 and 5 candidates of a 5,000-node ring
//     to ±20%, 1,000 addresses a candidate over 10 and 50 (1,000 in all is
//     a mean of 20 over 50 nodes: no hash holds that to ±20%), and all 5,000
//     nodes with 200,000 addresses to a standard deviation within 1.15 times
//     the binomial one. Protocol 1's ring, with 16 points a node at that
//     size, gave shares from 0.43 to 1.92 of even over 50 candidates and a
//     standard deviation of 1.9 times the binomial over all 5,000.
//
// # Cost
//
// NewRing: 2·64·N point hashes and two counting-sort passes into the cell
// index: 131 KB of cell offsets plus 4 bytes per (node, cell), 1.4 MB for
// 5,000 nodes. Owner with k candidates among N nodes: the cell's nodes, λ =
// 64·N/2^15 on average (9.8 at N = 5,000), each a membership test and, if a
// candidate, a score; when none is a candidate, which happens with
// probability about e^(-λ·k/N), a score for each of the k candidates. The
// worst case is around k = 2^15/64 = 512 candidates with few per cell:
// about 190 scores, a few hundred nanoseconds. Ranked(n) costs the same
// while the cell holds n candidates, else k scores. Candidates: O(k log k)
// to build, shared by every address with the same candidate set.
//
// # Compatibility
//
// The hash functions, the cell count, the points per node and the order are
// part of the protocol between speakers: speakers that compute owners
// differently do not merely both answer for some addresses (as during a
// network partition), they can also leave an address unannounced, when its
// owner under the old rule runs the new one and its owner under the new rule
// still runs the old: up to a quarter of the addresses halfway through a
// rolling upgrade. So a protocol change cannot ride on a plain rolling
// upgrade. The package keeps every protocol it has had ([ProtocolRing], the
// consistent-hash ring up to this version, and [ProtocolCells]), and a
// speaker builds its ring with [NewRingFor] at the newest protocol that
// every live speaker supports: each speaker publishes the newest protocol it
// speaks in its membership metadata (membership.Options.Protocol), one that
// publishes nothing counts as [ProtocolRing], and decision.Protocol picks
// the minimum. The switch then happens once, when the last old speaker is
// gone, and behaves like any membership change settling. The golden tests
// pin both protocols; changing either needs a new protocol number, not a
// test update.
//
// # Protocol 1
//
// [ProtocolRing] places each node on the circle v times, v = max(16, 4096 >>
// floor(log2 N)), and the owner is the first candidate clockwise from the
// address. With 16 points a node its arc shares vary by about 25%, and a
// small candidate set on a large ring inherits that: shares up to 50% off
// even. Owner walks the circle, or binary-searches each candidate's points
// when that is cheaper; both give the same answer.
package election
