// Package membership tells a speaker which other speakers are alive.
//
// It wraps hashicorp/memberlist (SWIM gossip): every speaker runs a member
// named after its Kubernetes node, bound to the node's InternalIP, and the
// caller feeds it the InternalIPs of the other Nodes through [Members.Join].
// [Members.Live] is the input to the announcement election; [Members.Changes]
// says when to recompute it.
//
// # Failure detection, and why the defaults are what they are
//
// memberlist (v0.7.0) declares a member dead in four steps; the figures are
// for the defaults of [Options] and a cluster of up to ten speakers.
//
//  1. Probing. Each member probes one other member per ProbeInterval (100
//     ms), round-robin through a shuffled list, so the n−1 survivors of a
//     failure each reach the failed member once every n−1 intervals at
//     independent phases: the first probe comes within about one interval.
//  2. The probe. A UDP ping waits ProbeTimeout (50 ms) for an ack; then
//     IndirectChecks (3) other members ping on our behalf and a TCP ping is
//     tried, until ProbeInterval after the first ping. No ack by then: the
//     member is suspect, 100 ms after the probe began.
//  3. Suspicion. memberlist waits min = SuspicionMult · max(1, log10(n)) ·
//     ProbeInterval before declaring a suspect dead (util.go,
//     suspicionTimeout). It starts the timer at max = SuspicionMaxTimeoutMult
//     · min and shrinks it toward min as k = SuspicionMult − 2 other members
//     confirm the suspicion (suspicion.go: remaining = max − log(c+1) /
//     log(k+1) · (max − min)); with k = 0, or fewer than k other members to
//     confirm, it is min from the start. SuspicionMult = 2 makes k = 0 and
//     the timeout 200 ms up to 10 members, 400 ms at 100, 740 ms at 5,000.
//     A member that is alive refutes within that time by gossiping a higher
//     incarnation; one that cannot answer for 200 ms is stalled, which for
//     an address announcer is as bad as dead.
//  4. Dissemination. The death is gossiped every GossipInterval (50 ms) to
//     GossipNodes (3) members, each of which also had the suspicion and runs
//     its own timer.
//
// Total: 0–100 ms + 100 ms + 200 ms + ≤50 ms, about 300–450 ms; the tests
// measure it. The price is ten UDP pings and acks a second per member, a
// few kilobytes a second.
//
// # Healing
//
// memberlist never probes a member it has declared dead, and two sides of a
// healed partition each hold the other dead, so neither would speak first.
// Members therefore joins, every RejoinInterval, the peers from the last
// Join whose address has no live member (at most 16 a round, 4 at a time).
// The push-pull of a join tells the revived side it was declared dead; it
// refutes with a higher incarnation and everyone sees it alive again. The
// same covers a speaker restarted under the same name.
//
// That alone can leave a returning member one-sided: its refutation rides
// on an ack to a stray probe, the others see it alive and stop rejoining
// it, and it hears of them only at a random push-pull seconds later. So a
// member that sees another join (or come back) exchanges full state with it
// too, with probability 3/(n−1): about three welcomes per join whatever the
// cluster size.
package membership
