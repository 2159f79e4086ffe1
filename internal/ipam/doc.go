// Package ipam decides which LoadBalancer address each Service gets.
//
// It knows pools (ranges of IPv4 and IPv6 addresses with selection rules),
// Services (a key, labels, ports and a sharing key) and requests (families,
// family policy, an optional pool or addresses), and nothing of Kubernetes:
// the controller translates objects into these plain values, and the package
// is tested in microseconds.
//
// The rules, in the order they apply:
//
//   - An address never changes while its Service holds it and it still fits
//     the Service's request, even if the pools were edited since. An address
//     that has fallen out of every pool is an orphan: still held, never given
//     to anyone else, reported by Orphans, replaced only on request.
//   - A request naming addresses gets exactly those; one naming a pool gets
//     that pool; otherwise the enabled auto-assign pools that select the
//     Service are tried by (Priority, Name). Naming a pool or an address
//     overrides autoAssign=false but not the pool's namespace and label
//     selection, so a pool reserved for one team stays reserved.
//   - Within a pool the lowest free address is taken, skipping .0 and .255
//     under avoidBuggyIPs, so results are deterministic.
//   - Services with the same sharing key may hold one address when their
//     ports do not overlap and their traffic policies (and, for Local, pod
//     selectors) agree. A Service with a sharing key joins a compatible
//     address before it takes a fresh one.
//
// Cost: Assign, Restore and Release take O(log n) amortised time in the
// number of held addresses, independent of range sizes, so an IPv6 /64 or
// even ::/0 is as cheap as a /24. Each range keeps a cursor below which
// every address has been handed out once, and a min-heap of the addresses
// released below it. Pool selection adds O(pools), sharing adds
// O(addresses held under the Service's sharing key). SetPools costs O(n).
//
// Errors wrap the sentinels declared in errors.go and carry messages meant
// to be shown to users verbatim.
//
// An Allocator is not safe for concurrent use; the caller holds a lock.
package ipam
