package election

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"net/netip"
)

// nodes returns n node names shaped like Kubernetes node names.
func nodes(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("worker-%04d", i)
	}
	return out
}

// seqAddrs returns n consecutive addresses from start, the shape of a real
// pool, where hashing has the least randomness to work with.
func seqAddrs(start string, n int) []netip.Addr {
	a := netip.MustParseAddr(start)
	out := make([]netip.Addr, n)
	for i := range out {
		out[i] = a
		a = a.Next()
	}
	return out
}

// randAddrs returns n distinct random IPv4 and IPv6 addresses.
func randAddrs(rng *rand.Rand, n int) []netip.Addr {
	seen := make(map[netip.Addr]bool, n)
	out := make([]netip.Addr, 0, n)
	for len(out) < n {
		var a netip.Addr
		if rng.IntN(2) == 0 {
			a = netip.AddrFrom4([4]byte{10, byte(rng.IntN(256)), byte(rng.IntN(256)), byte(rng.IntN(256))})
		} else {
			var b [16]byte
			b[0], b[1] = 0xfd, 0x00
			for i := 8; i < 16; i++ {
				b[i] = byte(rng.IntN(256))
			}
			a = netip.AddrFrom16(b)
		}
		if !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	return out
}

// subset returns a random subset of names, each kept with probability p.
func subset(rng *rand.Rand, names []string, p float64) []string {
	var out []string
	for _, n := range names {
		if rng.Float64() < p {
			out = append(out, n)
		}
	}
	return out
}

// shuffled returns a shuffled copy.
func shuffled[T any](rng *rand.Rand, s []T) []T {
	out := append([]T(nil), s...)
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// assignAll maps every address to c and returns the owner table.
func assignAll(r *Ring, addrs []netip.Addr, c *Candidates) map[netip.Addr]string {
	in := make(map[netip.Addr]*Candidates, len(addrs))
	for _, a := range addrs {
		in[a] = c
	}
	return r.Assign(in)
}

// bitCount is the size of the bitset half of c, which must match its id
// list; a set without a bitset reports its id count.
func bitCount(c *Candidates) int {
	if c.bits == nil {
		return len(c.ids)
	}
	n := 0
	for _, w := range c.bits {
		n += bits.OnesCount64(w)
	}
	return n
}
