package ipam

import (
	"math/big"
	"math/bits"
	"net/netip"
)

// u128 is an address as a 128-bit integer. IPv4 addresses use their 4-in-6
// form; only differences and masks are computed, so the shared prefix cancels.
type u128 struct{ hi, lo uint64 }

func u128From(a netip.Addr) u128 {
	b := a.As16()
	var v u128
	for i := 0; i < 8; i++ {
		v.hi = v.hi<<8 | uint64(b[i])
		v.lo = v.lo<<8 | uint64(b[8+i])
	}
	return v
}

func (u u128) xor(v u128) u128 { return u128{u.hi ^ v.hi, u.lo ^ v.lo} }
func (u u128) and(v u128) u128 { return u128{u.hi & v.hi, u.lo & v.lo} }
func (u u128) isZero() bool    { return u.hi == 0 && u.lo == 0 }
func (u u128) onesCount() int  { return bits.OnesCount64(u.hi) + bits.OnesCount64(u.lo) }

func (u u128) add1() u128 {
	lo, carry := bits.Add64(u.lo, 1, 0)
	return u128{u.hi + carry, lo}
}

func (u u128) sub(v u128) u128 {
	lo, borrow := bits.Sub64(u.lo, v.lo, 0)
	return u128{u.hi - v.hi - borrow, lo}
}

func (u u128) big() *big.Int {
	n := new(big.Int).SetUint64(u.hi)
	n.Lsh(n, 64)
	return n.Or(n, new(big.Int).SetUint64(u.lo))
}
