package election

import (
	"encoding/binary"
	"net/netip"
)

// The functions in this file define where nodes and addresses land on the
// ring. Every speaker must compute them identically (see "Compatibility" in
// the package documentation), so they use fixed constants and no seed.

const golden = 0x9e3779b97f4a7c15 // 2^64/φ, the SplitMix64 increment

// mix is SplitMix64's finaliser: a bijection on uint64 with full avalanche,
// so neighbouring inputs (10.0.0.1, 10.0.0.2; node-1, node-2) land far apart.
func mix(z uint64) uint64 {
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// nameSeed hashes a node name with FNV-1a, which is cheap but weak for short
// similar strings; mix fixes that when the points are derived.
func nameSeed(name string) uint64 {
	h := uint64(0xcbf29ce484222325)
	for i := 0; i < len(name); i++ {
		h ^= uint64(name[i])
		h *= 0x100000001b3
	}
	return h
}

// nodePoint is the position of a node's j-th virtual point. It depends on
// the name and j only, not on the ring's size, so point j of a node is the
// same on every ring that gives the node more than j points.
func nodePoint(seed uint64, j int) uint64 {
	return mix(seed + uint64(j+1)*golden)
}

// addrPoint is the position of an address. IPv4-mapped IPv6 addresses hash
// like their IPv4 form and zones are ignored, so the same address written
// two ways has one owner.
func addrPoint(a netip.Addr) uint64 {
	b := a.Unmap().WithZone("").As16()
	hi := binary.BigEndian.Uint64(b[:8])
	lo := binary.BigEndian.Uint64(b[8:])
	return mix(mix(hi+golden) ^ lo)
}

// nodeKey is a node's rendezvous key (protocol 2), the first argument of
// score. The constant keeps the key apart from the node's
// points, which derive from the same seed.
func nodeKey(seed uint64) uint64 {
	return mix(seed ^ 0x5851f42d4c957f2d)
}

// score is a node's rendezvous score for an address at h (protocol 2):
// higher wins. The low bit is set so that no score is 0, which the lookup
// uses to mean "not a candidate".
func score(key, h uint64) uint64 {
	return mix(key^h) | 1
}
