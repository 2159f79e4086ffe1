package ipam

import (
	"errors"
	"net/netip"
	"testing"
)

func TestSharing(t *testing.T) {
	p := setPools(pool("a", "10.0.0.0/29,2001:db8::/125"), pool("b", "10.0.1.0/29", prio(1)))
	http := svc("default/http", sharing("k"), ports("TCP/80", "TCP/443"))
	dns := svc("default/dns", sharing("k"), ports("UDP/53", "TCP/53"))
	tests := map[string][]step{
		"same key, disjoint ports": {
			p,
			assign(http, v4(), "a/10.0.0.0"),
			assign(dns, v4(), "a/10.0.0.0"),
			holders("10.0.0.0", "default/dns", "default/http"),
			usage("a", "IPv4 1/8 IPv6 0/8"),
		},
		"ports overlap, automatic: fresh address": {
			p,
			assign(http, v4(), "a/10.0.0.0"),
			assign(svc("default/https", sharing("k"), ports("TCP/443")), v4(), "a/10.0.0.1"),
		},
		"ports overlap, explicit": {
			p,
			assign(http, v4(), "a/10.0.0.0"),
			assignErr(svc("default/https", sharing("k"), ports("TCP/443", "TCP/80", "UDP/443")), at(v4(), "10.0.0.0"),
				ErrNotShareable, "address 10.0.0.0 is in use by default/http (ports overlap: TCP/443, TCP/80)"),
		},
		"sharing key differs": {
			p,
			assign(http, v4(), "a/10.0.0.0"),
			assignErr(svc("default/dns", sharing("other"), ports("UDP/53")), at(v4(), "10.0.0.0"),
				ErrInUse, "address 10.0.0.0 is in use by default/http (sharing key differs)"),
		},
		"traffic policy differs": {
			p,
			assign(http, v4(), "a/10.0.0.0"),
			assignErr(svc("default/dns", sharing("k"), ports("UDP/53"), local("app=dns")), at(v4(), "10.0.0.0"),
				ErrNotShareable, "address 10.0.0.0 is in use by default/http (traffic policy differs: Local vs Cluster)"),
		},
		"Local with different selectors": {
			p,
			assign(svc("default/http", sharing("k"), ports("TCP/80"), local("app=x")), v4(), "a/10.0.0.0"),
			assignErr(svc("default/dns", sharing("k"), ports("UDP/53"), local("app=y")), at(v4(), "10.0.0.0"),
				ErrNotShareable, "address 10.0.0.0 is in use by default/http (selectors differ)"),
		},
		"Local with equal selectors": {
			p,
			assign(svc("default/http", sharing("k"), ports("TCP/80"), local("app=x")), v4(), "a/10.0.0.0"),
			assign(svc("default/dns", sharing("k"), ports("UDP/53"), local("app=x")), v4(), "a/10.0.0.0"),
		},
		"sharing beats a lower free address": {
			p,
			assign(web, v4(), "a/10.0.0.0"),
			assign(http, v4(), "a/10.0.0.1"),
			release("default/web"),
			assign(dns, v4(), "a/10.0.0.1"),
		},
		"sharing beats pool priority": {
			p,
			assign(http, inPool("b", v4()), "b/10.0.1.0"),
			assign(dns, v4(), "b/10.0.1.0"),
		},
		"sharing needs every holder compatible": {
			p,
			assign(http, v4(), "a/10.0.0.0"),
			assign(dns, v4(), "a/10.0.0.0"),
			assign(svc("default/x", sharing("k"), ports("UDP/53")), v4(), "a/10.0.0.1"),
			assign(svc("default/y", sharing("k"), ports("TCP/22")), v4(), "a/10.0.0.0"),
		},
		"dual-stack sharing": {
			p,
			assign(http, require4(), "a/10.0.0.0,2001:db8::"),
			assign(dns, require6(), "a/2001:db8::,10.0.0.0"),
			usage("a", "IPv4 1/8 IPv6 1/8"),
		},
		"shared address stays until the last holder leaves": {
			p,
			assign(http, v4(), "a/10.0.0.0"),
			assign(dns, v4(), "a/10.0.0.0"),
			release("default/http"),
			holders("10.0.0.0", "default/dns"),
			assign(web, v4(), "a/10.0.0.1"),
			release("default/dns"),
			holders("10.0.0.0"),
			usage("a", "IPv4 1/8 IPv6 0/8"),
			assign(api, v4(), "a/10.0.0.0"),
		},
		"changing ports away from a co-holder moves": {
			p,
			assign(http, v4(), "a/10.0.0.0"),
			assign(dns, v4(), "a/10.0.0.0"),
			assign(svc("default/dns", sharing("k"), ports("TCP/80")), v4(), "a/10.0.0.1"),
			holders("10.0.0.0", "default/http"),
		},
		"changing the key of a sole holder keeps the address": {
			p,
			assign(http, v4(), "a/10.0.0.0"),
			assign(svc("default/http", sharing("new"), ports("TCP/80")), v4(), "a/10.0.0.0"),
			assign(dns, v4(), "a/10.0.0.1"),
			assign(svc("default/x", sharing("new"), ports("UDP/1")), v4(), "a/10.0.0.0"),
		},
		"restore shared": {
			p,
			restore(http, "a/10.0.0.5", "10.0.0.5"),
			restore(dns, "a/10.0.0.5", "10.0.0.5"),
			restoreErr(svc("default/z", sharing("k"), ports("TCP/80")), ErrInUse,
				"address 10.0.0.5 is in use by default/http (ports overlap: TCP/80)", "10.0.0.5"),
		},
	}
	for name, steps := range tests {
		t.Run(name, func(t *testing.T) { run(t, steps) })
	}
}

func TestInUseErrorIs(t *testing.T) {
	tests := map[string]struct {
		err                 error
		inUse, notShareable bool
	}{
		"same key":  {&InUseError{Addr: netip.MustParseAddr("10.0.0.1"), Holder: "a/b", Reason: "ports overlap: TCP/80", SameKey: true}, true, true},
		"other key": {&InUseError{Addr: netip.MustParseAddr("10.0.0.1"), Holder: "a/b", Reason: "sharing key differs"}, true, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if errors.Is(tc.err, ErrInUse) != tc.inUse || errors.Is(tc.err, ErrNotShareable) != tc.notShareable {
				t.Errorf("Is(ErrInUse)=%v Is(ErrNotShareable)=%v", errors.Is(tc.err, ErrInUse), errors.Is(tc.err, ErrNotShareable))
			}
		})
	}
}
