package ipam

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"
)

// The property test drives the allocator with random operations on small
// pools and checks every result against a plain model: a map of Services to
// addresses, and brute force over every address of every pool.

type held struct {
	svc   Service
	req   Request // last successful Assign; Families nil after Restore
	addrs []netip.Addr
}

type model struct {
	t     *testing.T
	rng   *rand.Rand
	a     *Allocator
	pools []Pool
	held  map[string]*held
}

func TestProperties(t *testing.T) {
	seeds, ops := 200, 500
	if testing.Short() {
		seeds = 20
	}
	for seed := range seeds {
		m := &model{t: t, rng: rand.New(rand.NewPCG(uint64(seed), 7)), a: New(), held: map[string]*held{}}
		for op := range ops {
			desc := m.step()
			if t.Failed() {
				t.Fatalf("seed %d, op %d (%s)", seed, op, desc)
			}
		}
	}
}

var propKeys = []string{"ns1/a", "ns1/b", "ns1/c", "ns1/d", "ns1/e", "ns2/a", "ns2/b", "ns2/c", "ns2/d", "ns2/e"}

func (m *model) step() string {
	switch n := m.rng.IntN(100); {
	case n < 5 || m.pools == nil:
		return m.setPools()
	case n < 25:
		key := propKeys[m.rng.IntN(len(propKeys))]
		m.a.Release(key)
		delete(m.held, key)
		m.check()
		return "release " + key
	case n < 30:
		return m.restore()
	default:
		return m.assign()
	}
}

// genPools makes 2–4 pools; pool i lives in its own space so enabled pools
// never overlap, except that a disabled pool may borrow another's space.
func (m *model) genPools() []Pool {
	r := m.rng
	n := 2 + r.IntN(3)
	pools := make([]Pool, n)
	for i := range pools {
		p := Pool{
			Name:          fmt.Sprintf("p%d", i),
			AutoAssign:    r.IntN(5) > 0,
			AvoidBuggyIPs: r.IntN(3) == 0,
			Priority:      r.IntN(3),
		}
		if r.IntN(4) == 0 {
			p.Namespaces = []string{"ns1"}
		}
		if r.IntN(6) == 0 {
			p.ServiceSelector = matchLabels("tier=edge")
		}
		space := i
		if r.IntN(8) == 0 {
			p.Disabled, space = true, r.IntN(n)
		}
		if r.IntN(4) > 0 {
			first := netip.AddrFrom4([4]byte{10, 0, byte(2 * space), byte(248 + r.IntN(8))})
			p.Ranges = append(p.Ranges, span(first, 1+r.IntN(14)))
			if r.IntN(3) == 0 {
				first := netip.AddrFrom4([4]byte{10, 0, byte(2*space + 1), byte(100 + r.IntN(5))})
				p.Ranges = append(p.Ranges, span(first, 1+r.IntN(5)))
			}
		}
		if r.IntN(2) == 0 {
			first := netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 0, byte(space), 15: byte(r.IntN(8))})
			p.Ranges = append(p.Ranges, span(first, 1+r.IntN(10)))
		}
		pools[i] = p
	}
	return pools
}

func span(first netip.Addr, n int) Range {
	last := first
	for range n - 1 {
		last = last.Next()
	}
	return Range{First: first, Last: last}
}

func (m *model) setPools() string {
	pools := m.genPools()
	if m.rng.IntN(10) == 0 {
		// an enabled copy of an enabled pool with ranges must be refused
		for _, p := range pools {
			if !p.Disabled && len(p.Ranges) > 0 {
				dup := p
				dup.Name = "dup"
				if err := m.a.SetPools(append(slices.Clone(pools), dup)); !errors.Is(err, ErrPoolOverlap) {
					m.t.Errorf("overlapping SetPools error = %v, want ErrPoolOverlap", err)
				}
				m.check()
				return "overlapping SetPools"
			}
		}
	}
	if err := m.a.SetPools(pools); err != nil {
		m.t.Errorf("SetPools: %v", err)
	}
	m.pools = pools
	m.check()
	return "SetPools"
}

func (m *model) randomService(key string) Service {
	r := m.rng
	ns := key[:3]
	s := Service{Key: key, Namespace: ns, SharingKey: []string{"", "", "k1", "k2"}[r.IntN(4)]}
	if r.IntN(3) == 0 {
		s.Labels = map[string]string{"tier": "edge"}
	}
	for _, p := range []Port{{"TCP", 80}, {"TCP", 443}, {"UDP", 53}} {
		if r.IntN(2) == 0 {
			s.Ports = append(s.Ports, p)
		}
	}
	if r.IntN(4) == 0 {
		s.LocalTraffic = true
		s.Selector = map[string]string{"app": []string{"x", "y"}[r.IntN(2)]}
	}
	return s
}

func (m *model) randomRequest() Request {
	r := m.rng
	var req Request
	switch r.IntN(6) {
	case 0:
		req = Request{Families: []Family{IPv6}}
	case 1:
		req = Request{Families: []Family{IPv4, IPv6}, Policy: PreferDualStack}
	case 2:
		req = Request{Families: []Family{IPv6, IPv4}, Policy: RequireDualStack}
	default:
		req = Request{Families: []Family{IPv4}}
	}
	if r.IntN(8) == 0 {
		req.Pool = fmt.Sprintf("p%d", r.IntN(5))
	}
	if r.IntN(6) == 0 {
		req.Addresses = []netip.Addr{m.randomAddr(req.Families[0])}
	}
	return req
}

// randomAddr picks an address of family f from some pool's range, or now and
// then one outside every pool.
func (m *model) randomAddr(f Family) netip.Addr {
	var in []Range
	for _, p := range m.pools {
		for _, r := range p.Ranges {
			if r.Family() == f {
				in = append(in, r)
			}
		}
	}
	if len(in) == 0 || m.rng.IntN(8) == 0 {
		if f == IPv4 {
			return netip.MustParseAddr("192.0.2.1")
		}
		return netip.MustParseAddr("2001:db8:ff::1")
	}
	r := in[m.rng.IntN(len(in))]
	a := r.First
	for range m.rng.IntN(4) {
		if a != r.Last {
			a = a.Next()
		}
	}
	return a
}

func (m *model) assign() string {
	key := propKeys[m.rng.IntN(len(propKeys))]
	prev := m.held[key]
	var svc Service
	var req Request
	repeat := prev != nil && prev.req.Families != nil && m.rng.IntN(3) == 0
	if repeat {
		svc, req = prev.svc, prev.req
	} else {
		svc, req = m.randomService(key), m.randomRequest()
	}
	before := m.holdersSnapshot()
	got, err := m.a.Assign(svc, req)
	desc := fmt.Sprintf("Assign %s %+v %+v", key, svc, req)

	if want, ok, werr := m.predict(prev, svc, req); ok {
		switch {
		case werr != nil && !errors.Is(err, werr):
			m.t.Errorf("%s: error %v, want %v", desc, err, werr)
		case werr == nil && (err != nil || !slices.Equal(got.Addrs, []netip.Addr{want})):
			m.t.Errorf("%s = %v, %v; want lowest free %v", desc, got.Addrs, err, want)
		}
	}
	if err != nil {
		m.check()
		return desc + ": " + err.Error()
	}
	m.checkShape(desc, req, got)
	if repeat {
		// unchanged request: unchanged addresses, except that PreferDualStack
		// may gain its second family
		n := len(prev.addrs)
		if len(got.Addrs) < n || !slices.Equal(got.Addrs[:n], prev.addrs) ||
			(len(got.Addrs) > n && req.Policy != PreferDualStack) {
			m.t.Errorf("%s: sticky assignment changed from %v to %v", desc, prev.addrs, got.Addrs)
		}
	}
	for _, x := range got.Addrs {
		if prev != nil && slices.Contains(prev.addrs, x) {
			continue
		}
		if len(before[x]) == 0 && m.enabledOwner(x) == nil {
			m.t.Errorf("%s: handed out %v, which is in no enabled pool", desc, x)
		}
	}
	m.held[key] = &held{svc: svc, req: req, addrs: slices.Clone(got.Addrs)}
	m.check()
	return desc
}

func (m *model) restore() string {
	key := propKeys[m.rng.IntN(len(propKeys))]
	svc := m.randomService(key)
	addrs := []netip.Addr{m.randomAddr(IPv4)}
	if m.rng.IntN(2) == 0 {
		addrs = append(addrs, m.randomAddr(IPv6))
	}
	desc := fmt.Sprintf("Restore %s %v", key, addrs)
	conflict := false
	for _, x := range addrs {
		for k, h := range m.held {
			if k != key && slices.Contains(h.addrs, x) && !compatible(svc, h.svc) {
				conflict = true
			}
		}
	}
	got, err := m.a.Restore(svc, addrs)
	switch {
	case conflict && !errors.Is(err, ErrInUse):
		m.t.Errorf("%s: error %v, want ErrInUse", desc, err)
	case !conflict && (err != nil || !slices.Equal(got.Addrs, addrs)):
		m.t.Errorf("%s = %v, %v", desc, got.Addrs, err)
	case !conflict:
		m.held[key] = &held{svc: svc, addrs: addrs}
	}
	m.check()
	return desc
}

// predict gives the exact outcome for the simplest case: a new single-stack
// Service without sharing key or requested address: the address or the error
// Assign must return. ok is false otherwise.
func (m *model) predict(prev *held, svc Service, req Request) (netip.Addr, bool, error) {
	if prev != nil || svc.SharingKey != "" || len(req.Addresses) > 0 || req.Policy != SingleStack {
		return netip.Addr{}, false, nil
	}
	f := req.Families[0]
	var cands []Pool
	for _, p := range m.pools {
		switch {
		case req.Pool != "" && p.Name != req.Pool,
			p.Disabled,
			req.Pool == "" && !p.AutoAssign,
			len(p.Namespaces) > 0 && !slices.Contains(p.Namespaces, svc.Namespace),
			p.ServiceSelector != nil && !p.ServiceSelector.Matches(svc.Labels):
			continue
		}
		cands = append(cands, p)
	}
	if req.Pool != "" && !slices.ContainsFunc(m.pools, func(p Pool) bool { return p.Name == req.Pool }) {
		return netip.Addr{}, true, ErrUnknownPool
	}
	if len(cands) == 0 {
		return netip.Addr{}, true, ErrNoPool
	}
	slices.SortFunc(cands, func(x, y Pool) int { return cmp.Or(cmp.Compare(x.Priority, y.Priority), cmp.Compare(x.Name, y.Name)) })
	hasFamily := false
	for _, p := range cands {
		for _, x := range m.usable(p) {
			if FamilyOf(x) == f {
				hasFamily = true
				if len(m.holders(x)) == 0 {
					return x, true, nil
				}
			}
		}
		hasFamily = hasFamily || slices.ContainsFunc(p.Ranges, func(r Range) bool { return r.Family() == f })
	}
	if hasFamily {
		return netip.Addr{}, true, ErrExhausted
	}
	return netip.Addr{}, true, ErrFamilyUnavailable
}

func (m *model) checkShape(desc string, req Request, got Assignment) {
	f0 := req.Families[0]
	ok := len(got.Addrs) > 0 && FamilyOf(got.Addrs[0]) == f0
	switch req.Policy {
	case SingleStack:
		ok = ok && len(got.Addrs) == 1
	case RequireDualStack:
		ok = ok && len(got.Addrs) == 2
	}
	if len(got.Addrs) == 2 {
		ok = ok && FamilyOf(got.Addrs[1]) == f0.other()
	}
	if !ok {
		m.t.Errorf("%s = %v: wrong families", desc, got.Addrs)
	}
}

// usable lists p's addresses the allocator may hand out, in order.
func (m *model) usable(p Pool) []netip.Addr {
	var out []netip.Addr
	for _, r := range p.Ranges {
		for x := r.First; ; x = x.Next() {
			if !(p.AvoidBuggyIPs && x.Is4() && (x.As4()[3] == 0 || x.As4()[3] == 255)) {
				out = append(out, x)
			}
			if x == r.Last {
				break
			}
		}
	}
	slices.SortFunc(out, netip.Addr.Compare)
	return out
}

func (m *model) enabledOwner(x netip.Addr) *Pool {
	for i, p := range m.pools {
		if !p.Disabled && slices.Contains(m.usable(p), x) {
			return &m.pools[i]
		}
	}
	return nil
}

func (m *model) holders(x netip.Addr) []string {
	var keys []string
	for k, h := range m.held {
		if slices.Contains(h.addrs, x) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

func (m *model) holdersSnapshot() map[netip.Addr][]string {
	out := map[netip.Addr][]string{}
	for k, h := range m.held {
		for _, x := range h.addrs {
			out[x] = append(out[x], k)
		}
	}
	return out
}

// compatible is the sharing rule, restated independently of sharing.go.
func compatible(x, y Service) bool {
	if x.SharingKey == "" || x.SharingKey != y.SharingKey || x.LocalTraffic != y.LocalTraffic {
		return false
	}
	for _, p := range x.Ports {
		if slices.Contains(y.Ports, p) {
			return false
		}
	}
	return !x.LocalTraffic || maps.Equal(x.Selector, y.Selector)
}

// check compares every observable of the allocator with the model.
func (m *model) check() {
	t := m.t
	t.Helper()
	for _, k := range propKeys {
		got, ok := m.a.Lookup(k)
		h := m.held[k]
		if ok != (h != nil) || ok && !slices.Equal(got.Addrs, h.addrs) {
			t.Errorf("Lookup(%s) = %v, %v; model %v", k, got.Addrs, ok, h)
		}
	}
	var orphans []string
	for addr, keys := range m.holdersSnapshot() {
		slices.Sort(keys)
		if got := m.a.Holders(addr); !slices.Equal(got, keys) {
			t.Errorf("Holders(%v) = %v, model %v", addr, got, keys)
		}
		for i, k := range keys {
			for _, o := range keys[i+1:] {
				if !compatible(m.held[k].svc, m.held[o].svc) {
					t.Errorf("%v held by incompatible %s and %s", addr, k, o)
				}
			}
		}
		inSome := slices.ContainsFunc(m.pools, func(p Pool) bool { return slices.Contains(m.usable(p), addr) })
		if !inSome {
			orphans = append(orphans, keys...)
		}
	}
	slices.Sort(orphans)
	if got := m.a.Orphans(); !slices.Equal(got, slices.Compact(orphans)) {
		t.Errorf("Orphans() = %v, model %v", got, orphans)
	}
	held := m.holdersSnapshot()
	for _, p := range m.pools {
		u := m.a.Usage(p.Name)
		for _, f := range []Family{IPv4, IPv6} {
			var free, inUse int64
			for _, x := range m.usable(p) {
				if FamilyOf(x) != f {
					continue
				}
				if len(held[x]) > 0 {
					inUse++
				} else {
					free++
				}
			}
			hasRange := slices.ContainsFunc(p.Ranges, func(r Range) bool { return r.Family() == f })
			got, ok := u[f]
			switch {
			case ok != hasRange:
				t.Errorf("Usage(%s)[%v] present=%v, want %v", p.Name, f, ok, hasRange)
			case ok && (int64(got.InUse) != inUse || new(big.Int).Add(big.NewInt(int64(got.InUse)), big.NewInt(free)).Cmp(got.Capacity) != 0):
				t.Errorf("Usage(%s)[%v] = %d/%s; model in use %d, free %d", p.Name, f, got.InUse, got.Capacity, inUse, free)
			}
		}
	}
}
