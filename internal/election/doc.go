// Package election decides which speaker announces each address.
//
// Every speaker runs the same computation on the same inputs and reaches the
// same answer, so there is no leader and no vote: the "election" is a pure
// function of (address, ring, candidate set). The package imports only the
// standard library and knows nothing of Kubernetes; the caller works out, for
// each address, which nodes may announce it (live speakers ∩ nodes the
// advertisement selects ∩, for externalTrafficPolicy Local, nodes with a
// ready endpoint) and passes that set in.
//
// # Design: a consistent-hash ring with a candidate filter
//
// A [Ring] is built once from a set of node names. Each node owns v points on
// a 64-bit circle, where v = max(16, 4096 >> floor(log2 N)) for N nodes: a
// power of two, so the ring holds between 4,096 and 8,191 points below 256
// nodes (a node of a three- or five-node cluster owns ≥1,024 points, which
// keeps its share within a few percent of 1/N) and exactly 16·N points from
// 256 nodes up (80,000 for 5,000 nodes, still built in milliseconds). An
// address hashes to a point on the same circle; its owner is the node of the
// first ring point clockwise from it whose node is in the address's
// [Candidates]. [Ring.Ranked] continues the same walk to list successors,
// which the caller uses for a graceful handover.
//
// Why this and not rendezvous (HRW) hashing: HRW hashes every (address, node)
// pair, 100 million hashes for 20,000 addresses over 5,000 nodes. The ring
// costs one hash and one binary search per address.
//
// # Properties
//
//   - Deterministic: the answer depends on the set of names, never on input
//     order or map iteration; ties between equal hashes break by node name.
//   - Minimal movement within a ring: removing a node from an address's
//     candidates moves that address only if the node owned it; adding one
//     moves it only to the new node. This is exact, not statistical, because
//     the points of the other nodes do not change.
//   - Minimal movement across rings: a node's points depend on its name and
//     on v only, so rebuilding the ring with a node more or less moves only
//     that node's addresses as long as v stays the same, i.e. N stays within
//     the same power of two (or ≥256). Crossing a power of two below 256
//     halves or doubles every node's points and reshuffles a share of the
//     addresses once. Callers should therefore build the ring from the stable
//     set of speaker nodes and express liveness through Candidates, not by
//     rebuilding the ring from the live set.
//   - Even spread: with all candidates eligible each node receives 1/N of
//     the addresses within a few percent (the tests hold 1,000 addresses over
//     three and five nodes to ±20%).
//
// # Cost
//
// NewRing: O(N·v) time (hashing and a radix sort of the N·v points) and
// about 1.7 MB for 5,000 nodes (80,000 points). Owner: O(1) expected to find
// the first point, through an index of the top bits of the hash with about
// two points a bucket, then a walk whose expected length is N/k points when
// k of the N nodes are candidates. When k is small (an
// externalTrafficPolicy Local Service with two endpoints on a 5,000-node
// ring) that walk would be long, so Owner instead binary-searches each
// candidate's own v points and takes the nearest, O(k·log v); it picks
// whichever is cheaper and both give the same answer. Ranked(n) costs n
// times the walk, or the same per-candidate search. Candidates: O(k log k)
// to build, shared by every address with the same candidate set.
//
// # Compatibility
//
// The hash functions and the choice of v are part of the protocol between
// speakers: during a rolling upgrade, speakers of two versions must agree on
// every owner, or an address is announced twice or not at all. The golden
// test pins them; changing them needs a migration plan, not a test update.
package election
