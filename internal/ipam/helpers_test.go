package ipam

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"testing"
)

func mustRange(t testing.TB, s string) Range {
	t.Helper()
	r, err := ParseRange(s)
	if err != nil {
		t.Fatalf("ParseRange(%q): %v", s, err)
	}
	return r
}

func addr(s string) netip.Addr { return netip.MustParseAddr(s) }

func addrs(ss ...string) []netip.Addr {
	out := make([]netip.Addr, len(ss))
	for i, s := range ss {
		out[i] = addr(s)
	}
	return out
}

// pool builds an enabled auto-assign pool; options adjust it.
func pool(name string, ranges string, opts ...func(*Pool)) Pool {
	p := Pool{Name: name, AutoAssign: true}
	for _, s := range strings.Split(ranges, ",") {
		r, err := ParseRange(s)
		if err != nil {
			panic(err)
		}
		p.Ranges = append(p.Ranges, r)
	}
	for _, o := range opts {
		o(&p)
	}
	return p
}

func prio(n int) func(*Pool)              { return func(p *Pool) { p.Priority = n } }
func manual(p *Pool)                      { p.AutoAssign = false }
func disabled(p *Pool)                    { p.Disabled = true }
func avoidBuggy(p *Pool)                  { p.AvoidBuggyIPs = true }
func namespaces(ns ...string) func(*Pool) { return func(p *Pool) { p.Namespaces = ns } }
func nsSelector(l string) func(*Pool) {
	return func(p *Pool) { p.NamespaceSelector = matchLabels(l) }
}
func svcSelector(l string) func(*Pool) {
	return func(p *Pool) { p.ServiceSelector = matchLabels(l) }
}

// matchLabels is an equality selector written "k=v,k2=v2", standing in for a
// labels.Selector.
func matchLabels(s string) Selector {
	want := labelMap(s)
	return SelectorFunc(func(l map[string]string) bool {
		for k, v := range want {
			if got, ok := l[k]; !ok || got != v {
				return false
			}
		}
		return true
	})
}

func labelMap(s string) map[string]string {
	m := map[string]string{}
	if s == "" {
		return m
	}
	for _, kv := range strings.Split(s, ",") {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

// svc builds a Service; the namespace comes from the key.
func svc(key string, opts ...func(*Service)) Service {
	ns, _, _ := strings.Cut(key, "/")
	s := Service{Key: key, Namespace: ns}
	for _, o := range opts {
		o(&s)
	}
	return s
}

func sharing(k string) func(*Service) { return func(s *Service) { s.SharingKey = k } }
func labels(l string) func(*Service)  { return func(s *Service) { s.Labels = labelMap(l) } }
func nsLabels(l string) func(*Service) {
	return func(s *Service) { s.NamespaceLabels = labelMap(l) }
}
func local(sel string) func(*Service) {
	return func(s *Service) { s.LocalTraffic, s.Selector = true, labelMap(sel) }
}

// ports takes "TCP/80" style pairs.
func ports(ps ...string) func(*Service) {
	return func(s *Service) {
		s.Ports = nil
		for _, p := range ps {
			proto, n, _ := strings.Cut(p, "/")
			port, err := strconv.Atoi(n)
			if err != nil {
				panic(err)
			}
			s.Ports = append(s.Ports, Port{Protocol: proto, Port: int32(port)})
		}
	}
}

func v4() Request      { return Request{Families: []Family{IPv4}} }
func v6() Request      { return Request{Families: []Family{IPv6}} }
func prefer4() Request { return Request{Families: []Family{IPv4, IPv6}, Policy: PreferDualStack} }
func require4() Request {
	return Request{Families: []Family{IPv4, IPv6}, Policy: RequireDualStack}
}
func require6() Request {
	return Request{Families: []Family{IPv6, IPv4}, Policy: RequireDualStack}
}

func inPool(name string, r Request) Request { r.Pool = name; return r }
func at(r Request, ss ...string) Request    { r.Addresses = addrs(ss...); return r }

// show renders an assignment as "pool/addr,addr" for compact expectations.
func show(a Assignment) string {
	parts := make([]string, len(a.Addrs))
	for i, x := range a.Addrs {
		parts[i] = x.String()
	}
	return a.Pool + "/" + strings.Join(parts, ",")
}

func usageString(u map[Family]Usage) string {
	var parts []string
	for _, f := range []Family{IPv4, IPv6} {
		if x, ok := u[f]; ok {
			parts = append(parts, fmt.Sprintf("%v %d/%s", f, x.InUse, x.Capacity))
		}
	}
	return strings.Join(parts, " ")
}
