package ipam

import (
	"errors"
	"slices"
	"testing"
)

// step is one call in a scenario. Exactly one of the op fields is set.
type step struct {
	assign  *Service // with req
	req     Request
	restore *Service // with addrs
	addrs   []string
	release string
	pools   []Pool // SetPools
	check   func(t *testing.T, a *Allocator)

	want string // show(result) of assign/restore
	err  error  // wanted sentinel
	msg  string // exact message, when set
}

func ptr(s Service) *Service { return &s }

func assign(s Service, r Request, want string) step {
	return step{assign: ptr(s), req: r, want: want}
}

func assignErr(s Service, r Request, err error, msg string) step {
	return step{assign: ptr(s), req: r, err: err, msg: msg}
}

func restore(s Service, want string, as ...string) step {
	return step{restore: ptr(s), addrs: as, want: want}
}

func restoreErr(s Service, err error, msg string, as ...string) step {
	return step{restore: ptr(s), addrs: as, err: err, msg: msg}
}

func release(key string) step  { return step{release: key} }
func setPools(ps ...Pool) step { return step{pools: ps} }
func setPoolsErr(err error, msg string, ps ...Pool) step {
	return step{pools: ps, err: err, msg: msg}
}

func lookup(key, want string) step {
	return step{check: func(t *testing.T, a *Allocator) {
		t.Helper()
		got, ok := a.Lookup(key)
		if !ok && want != "" || ok && show(got) != want {
			t.Errorf("Lookup(%s) = %s, %v; want %s", key, show(got), ok, want)
		}
	}}
}

func holders(ip string, want ...string) step {
	return step{check: func(t *testing.T, a *Allocator) {
		t.Helper()
		if got := a.Holders(addr(ip)); !slices.Equal(got, want) {
			t.Errorf("Holders(%s) = %v, want %v", ip, got, want)
		}
	}}
}

func orphans(want ...string) step {
	return step{check: func(t *testing.T, a *Allocator) {
		t.Helper()
		if got := a.Orphans(); !slices.Equal(got, want) {
			t.Errorf("Orphans() = %v, want %v", got, want)
		}
	}}
}

func usage(p, want string) step {
	return step{check: func(t *testing.T, a *Allocator) {
		t.Helper()
		if got := usageString(a.Usage(p)); got != want {
			t.Errorf("Usage(%s) = %q, want %q", p, got, want)
		}
	}}
}

func run(t *testing.T, steps []step) {
	t.Helper()
	a := New()
	for i, s := range steps {
		var (
			got Assignment
			err error
			op  string
		)
		switch {
		case s.assign != nil:
			op = "Assign(" + s.assign.Key + ")"
			got, err = a.Assign(*s.assign, s.req)
		case s.restore != nil:
			op = "Restore(" + s.restore.Key + ")"
			got, err = a.Restore(*s.restore, addrs(s.addrs...))
		case s.release != "":
			a.Release(s.release)
			continue
		case s.check != nil:
			s.check(t, a)
			continue
		default:
			op = "SetPools"
			err = a.SetPools(s.pools)
		}
		switch {
		case s.err != nil:
			if !errors.Is(err, s.err) {
				t.Fatalf("step %d: %s error = %v, want %v", i, op, err, s.err)
			}
			if s.msg != "" && err.Error() != s.msg {
				t.Fatalf("step %d: %s message\n got: %s\nwant: %s", i, op, err, s.msg)
			}
		case err != nil:
			t.Fatalf("step %d: %s: %v", i, op, err)
		case op != "SetPools" && show(got) != s.want:
			t.Fatalf("step %d: %s = %s, want %s", i, op, show(got), s.want)
		}
	}
}

var (
	web  = svc("default/web")
	api  = svc("default/api")
	db   = svc("team/db")
	dual = pool("dual", "10.0.0.0/30,2001:db8::/126")
)

func TestPoolChoice(t *testing.T) {
	tests := map[string][]step{
		"lowest free address first": {
			setPools(pool("a", "10.0.0.0/30")),
			assign(web, v4(), "a/10.0.0.0"),
			assign(api, v4(), "a/10.0.0.1"),
		},
		"ranges of a pool in address order": {
			setPools(pool("a", "10.0.9.0/31,10.0.1.0/31")),
			assign(web, v4(), "a/10.0.1.0"),
			assign(api, v4(), "a/10.0.1.1"),
			assign(db, v4(), "a/10.0.9.0"),
		},
		"released address is reused first": {
			setPools(pool("a", "10.0.0.0/29")),
			assign(web, v4(), "a/10.0.0.0"),
			assign(api, v4(), "a/10.0.0.1"),
			assign(db, v4(), "a/10.0.0.2"),
			release("default/api"),
			assign(svc("x/y"), v4(), "a/10.0.0.1"),
			assign(svc("x/z"), v4(), "a/10.0.0.3"),
		},
		"avoidBuggyIPs skips .0 and .255": {
			setPools(pool("a", "10.0.0.254-10.0.1.1", avoidBuggy)),
			usage("a", "IPv4 0/2"),
			assign(web, v4(), "a/10.0.0.254"),
			assign(api, v4(), "a/10.0.1.1"),
			assignErr(db, v4(), ErrExhausted, `pool "a" is exhausted: 2 of 2 IPv4 addresses in use`),
		},
		"avoidBuggyIPs leaves IPv6 alone": {
			setPools(pool("a", "2001:db8::/127", avoidBuggy)),
			assign(web, v6(), "a/2001:db8::"),
		},
		"priority then name": {
			setPools(pool("c", "10.0.3.0/24", prio(1)), pool("b", "10.0.2.0/24", prio(0)), pool("a", "10.0.1.0/24", prio(1))),
			assign(web, v4(), "b/10.0.2.0"),
		},
		"next pool when the first is exhausted": {
			setPools(pool("a", "10.0.1.0/32"), pool("b", "10.0.2.0/32", prio(1))),
			assign(web, v4(), "a/10.0.1.0"),
			assign(api, v4(), "b/10.0.2.0"),
			assignErr(db, v4(), ErrExhausted,
				`pool "a" is exhausted: 1 of 1 IPv4 addresses in use; pool "b" is exhausted: 1 of 1 IPv4 addresses in use`),
		},
		"autoAssign=false only by name": {
			setPools(pool("m", "10.0.1.0/24", manual), pool("z", "10.0.2.0/24", prio(9))),
			assign(web, v4(), "z/10.0.2.0"),
			assign(api, inPool("m", v4()), "m/10.0.1.0"),
		},
		"unknown pool": {
			setPools(pool("a", "10.0.1.0/24")),
			assignErr(web, inPool("nope", v4()), ErrUnknownPool, `pool "nope" does not exist`),
		},
		"disabled pool by name": {
			setPools(pool("a", "10.0.1.0/24", disabled)),
			assignErr(web, inPool("a", v4()), ErrNoPool, `pool "a" cannot serve default/web: disabled`),
		},
		"named pool still selects": {
			setPools(pool("a", "10.0.1.0/24", namespaces("team"))),
			assignErr(web, inPool("a", v4()), ErrNoPool, `pool "a" cannot serve default/web: namespace "default" not allowed`),
			assign(db, inPool("a", v4()), "a/10.0.1.0"),
		},
		"no pools": {
			assignErr(web, v4(), ErrNoPool, "no pool can serve default/web: no pools are configured"),
		},
		"no pool matches, each reason": {
			setPools(
				pool("a", "10.0.1.0/24", manual),
				pool("b", "10.0.2.0/24", namespaces("team")),
				pool("c", "10.0.3.0/24", nsSelector("env=prod")),
				pool("d", "10.0.4.0/24", svcSelector("tier=edge")),
				pool("e", "10.0.5.0/24", disabled),
			),
			assignErr(svc("default/web", nsLabels("env=dev"), labels("tier=web")), v4(), ErrNoPool,
				`no pool can serve default/web: pool "a": autoAssign=false; pool "b": namespace "default" not allowed; `+
					`pool "c": namespace labels do not match; pool "d": service labels do not match; pool "e": disabled`),
		},
		"selection all of namespace, namespace labels, service labels": {
			setPools(
				pool("all", "10.0.1.0/24", namespaces("team"), nsSelector("env=prod"), svcSelector("tier=edge")),
				pool("rest", "10.0.2.0/24", prio(1)),
			),
			assign(svc("team/a", nsLabels("env=prod"), labels("tier=edge")), v4(), "all/10.0.1.0"),
			assign(svc("team/b", nsLabels("env=dev"), labels("tier=edge")), v4(), "rest/10.0.2.0"),
			assign(svc("team/c", nsLabels("env=prod"), labels("tier=web")), v4(), "rest/10.0.2.1"),
			assign(svc("other/d", nsLabels("env=prod"), labels("tier=edge")), v4(), "rest/10.0.2.2"),
		},
		"deterministic across pool order in config": {
			setPools(pool("b", "10.0.2.0/24"), pool("a", "10.0.1.0/24")),
			assign(web, v4(), "a/10.0.1.0"),
		},
	}
	for name, steps := range tests {
		t.Run(name, func(t *testing.T) { run(t, steps) })
	}
}

func TestExplicitAddresses(t *testing.T) {
	pools := setPools(
		pool("a", "10.0.1.0/24,2001:db8:1::/120"),
		pool("m", "10.0.2.0/24", manual, avoidBuggy),
		pool("off", "10.0.3.0/24", disabled),
		pool("b", "2001:db8:2::/120"),
	)
	tests := map[string][]step{
		"address in a pool": {pools, assign(web, at(v4(), "10.0.1.7"), "a/10.0.1.7")},
		"address in a manual pool": {
			pools, assign(web, at(v4(), "10.0.2.7"), "m/10.0.2.7"),
		},
		"4-in-6 spelling means IPv4": {
			pools, assign(web, at(v4(), "::ffff:10.0.1.7"), "a/10.0.1.7"),
		},
		"address outside every pool": {
			pools, assignErr(web, at(v4(), "192.0.2.1"), ErrOutsidePool, "requested address 192.0.2.1 is not in any pool"),
		},
		"address in a disabled pool": {
			pools, assignErr(web, at(v4(), "10.0.3.1"), ErrOutsidePool, `requested address 10.0.3.1 is in pool "off", which is disabled`),
		},
		"address avoided as buggy": {
			pools, assignErr(web, at(v4(), "10.0.2.255"), ErrOutsidePool, `requested address 10.0.2.255 is excluded from pool "m" by avoidBuggyIPs`),
		},
		"address not in the named pool": {
			pools, assignErr(web, inPool("m", at(v4(), "10.0.1.7")), ErrOutsidePool, `requested address 10.0.1.7 is in pool "a", not in pool "m"`),
		},
		"addresses in different pools": {
			pools, assignErr(web, at(require4(), "10.0.1.7", "2001:db8:2::7"), ErrInvalidRequest,
				`requested addresses 10.0.1.7 and 2001:db8:2::7 are in different pools ("a" and "b")`),
		},
		"two addresses of one family": {
			pools, assignErr(web, at(require4(), "10.0.1.7", "10.0.1.8"), ErrInvalidRequest, "more than one IPv4 address requested: 10.0.1.7 and 10.0.1.8"),
		},
		"address of a family not asked for": {
			pools, assignErr(web, at(v4(), "2001:db8:1::7"), ErrInvalidRequest, "requested address 2001:db8:1::7 is IPv6 but the Service is single-stack IPv4"),
		},
		"dual-stack pair": {
			pools, assign(web, at(require6(), "10.0.1.7", "2001:db8:1::9"), "a/2001:db8:1::9,10.0.1.7"),
		},
		"second family filled from the same pool": {
			pools, assign(web, at(require4(), "2001:db8:1::9"), "a/10.0.1.0,2001:db8:1::9"),
		},
		"explicit secondary makes PreferDualStack strict": {
			setPools(pool("a", "10.0.1.0/24"), pool("b", "2001:db8:2::/120")),
			assignErr(web, at(prefer4(), "2001:db8:2::1"), ErrFamilyUnavailable, `no eligible pool has both IPv4 and IPv6 addresses: pool "b" has no IPv4 range`),
		},
		"held by another without sharing": {
			pools,
			assign(web, at(v4(), "10.0.1.7"), "a/10.0.1.7"),
			assignErr(api, at(v4(), "10.0.1.7"), ErrInUse, "address 10.0.1.7 is in use by default/web (no sharing key)"),
		},
		"auto assignment skips an explicitly held address": {
			pools,
			assign(web, at(v4(), "10.0.1.0"), "a/10.0.1.0"),
			assign(api, v4(), "a/10.0.1.1"),
		},
		"explicit claim of a released address": {
			pools,
			assign(web, v4(), "a/10.0.1.0"),
			assign(api, v4(), "a/10.0.1.1"),
			release("default/web"),
			assign(db, at(v4(), "10.0.1.0"), "a/10.0.1.0"),
			assign(svc("x/y"), v4(), "a/10.0.1.2"),
			release("team/db"),
			assign(svc("x/z"), v4(), "a/10.0.1.0"),
		},
	}
	for name, steps := range tests {
		t.Run(name, func(t *testing.T) { run(t, steps) })
	}
}

func TestFamilies(t *testing.T) {
	tests := map[string][]step{
		"single IPv6 from a dual pool": {
			setPools(dual), assign(web, v6(), "dual/2001:db8::"),
		},
		"require dual, IPv4 primary": {
			setPools(dual), assign(web, require4(), "dual/10.0.0.0,2001:db8::"),
		},
		"require dual, IPv6 primary": {
			setPools(dual), assign(web, require6(), "dual/2001:db8::,10.0.0.0"),
		},
		"prefer dual takes the first pool with both": {
			setPools(pool("a4", "10.0.1.0/24"), pool("dual", "10.0.0.0/30,2001:db8::/126", prio(1))),
			assign(web, prefer4(), "dual/10.0.0.0,2001:db8::"),
		},
		"prefer dual falls back to the primary family": {
			setPools(pool("a4", "10.0.1.0/24"), pool("b6", "2001:db8::/120")),
			assign(web, prefer4(), "a4/10.0.1.0"),
		},
		"prefer dual falls back when the second family is exhausted": {
			setPools(pool("p", "10.0.1.0/24,2001:db8::/128")),
			assign(web, v6(), "p/2001:db8::"),
			assign(api, prefer4(), "p/10.0.1.0"),
		},
		"require dual, nowhere both": {
			setPools(pool("a4", "10.0.1.0/24"), pool("b6", "2001:db8::/120")),
			assignErr(web, require4(), ErrFamilyUnavailable,
				`no eligible pool has both IPv4 and IPv6 addresses: pool "a4" has no IPv6 range; pool "b6" has no IPv4 range`),
		},
		"require dual, exhausted": {
			setPools(pool("p", "10.0.1.0/32,2001:db8::/120")),
			assign(web, v4(), "p/10.0.1.0"),
			assignErr(api, require6(), ErrExhausted, `pool "p" is exhausted: 1 of 1 IPv4 addresses in use`),
		},
		"single family missing everywhere": {
			setPools(pool("a4", "10.0.1.0/24")),
			assignErr(web, v6(), ErrFamilyUnavailable, `no eligible pool has IPv6 addresses: pool "a4" has no IPv6 range`),
		},
		"pool without the family is skipped": {
			setPools(pool("a4", "10.0.1.0/24"), pool("b6", "2001:db8::/120", prio(1))),
			assign(web, v6(), "b6/2001:db8::"),
		},
		"exhausted beats missing family": {
			setPools(pool("a4", "10.0.1.0/32"), pool("b6", "2001:db8::/120")),
			assign(web, v4(), "a4/10.0.1.0"),
			assignErr(api, v4(), ErrExhausted, `pool "a4" is exhausted: 1 of 1 IPv4 addresses in use`),
		},
		"invalid requests": {
			setPools(dual),
			assignErr(web, Request{}, ErrInvalidRequest, "want one or two IP families, got 0"),
			assignErr(web, Request{Families: []Family{IPv4, IPv6}}, ErrInvalidRequest, "SingleStack with two IP families [IPv4 IPv6]"),
			assignErr(web, Request{Families: []Family{IPv4, IPv4}, Policy: RequireDualStack}, ErrInvalidRequest, "invalid IP families [IPv4 IPv4]"),
			assignErr(web, Request{Families: []Family{IPv4}, Policy: 7}, ErrInvalidRequest, "invalid IP family policy FamilyPolicy(7)"),
			assignErr(svc(""), v4(), ErrInvalidRequest, "service has no key"),
		},
		"IPv6 everything": {
			setPools(pool("all", "::/0")),
			// 2^128 less the 2^32 addresses of ::ffff:0:0/96
			usage("all", "IPv6 0/340282366920938463463374607427473244160"),
			assign(web, v6(), "all/::"),
			assign(api, v6(), "all/::1"),
			usage("all", "IPv6 2/340282366920938463463374607427473244160"),
		},
		"IPv6 /64": {
			setPools(pool("p64", "2001:db8:0:1::/64")),
			assign(web, v6(), "p64/2001:db8:0:1::"),
			assign(db, v6(), "p64/2001:db8:0:1::1"),
			usage("p64", "IPv6 2/18446744073709551616"),
		},
		"IPv4-mapped block is never handed out": {
			setPools(pool("edge", "::fffe:ffff:ffff-::1:0:0:0")),
			usage("edge", "IPv6 0/2"),
			assign(web, v6(), "edge/::fffe:ffff:ffff"),
			assign(api, v6(), "edge/::1:0:0:0"),
			assignErr(db, v6(), ErrExhausted, `pool "edge" is exhausted: 2 of 2 IPv6 addresses in use`),
		},
	}
	for name, steps := range tests {
		t.Run(name, func(t *testing.T) { run(t, steps) })
	}
}
