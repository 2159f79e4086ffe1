package ipam

import "testing"

func TestStickiness(t *testing.T) {
	tests := map[string][]step{
		"idempotent": {
			setPools(pool("a", "10.0.0.0/24")),
			assign(web, v4(), "a/10.0.0.0"),
			assign(web, v4(), "a/10.0.0.0"),
			usage("a", "IPv4 1/256"),
		},
		"pool edits do not move a held address": {
			setPools(pool("a", "10.0.0.0/24"), pool("b", "10.0.1.0/24", prio(1))),
			assign(web, v4(), "a/10.0.0.0"),
			setPools(pool("a", "10.0.0.0/24", prio(5), namespaces("team"), manual), pool("b", "10.0.1.0/24", prio(1))),
			assign(web, v4(), "a/10.0.0.0"),
		},
		"a disabled pool keeps its assignments": {
			setPools(pool("a", "10.0.0.0/24"), pool("b", "10.0.1.0/24", prio(1))),
			assign(web, v4(), "a/10.0.0.0"),
			setPools(pool("a", "10.0.0.0/24", disabled), pool("b", "10.0.1.0/24", prio(1))),
			orphans(),
			usage("a", "IPv4 1/256"),
			assign(web, v4(), "a/10.0.0.0"),
			assign(api, v4(), "b/10.0.1.0"),
		},
		"a disabled pool may overlap and counts its own usage": {
			setPools(pool("a", "10.0.0.0/24"), pool("old", "10.0.0.0/25", disabled), pool("older", "10.0.0.0/16", disabled)),
			assign(web, v4(), "a/10.0.0.0"),
			usage("old", "IPv4 1/128"),
			usage("older", "IPv4 1/65536"),
			release("default/web"),
			usage("older", "IPv4 0/65536"),
		},
		"orphan is kept, reported, and replaced on request": {
			setPools(pool("a", "10.0.0.0/30")),
			assign(web, v4(), "a/10.0.0.0"),
			assign(api, v4(), "a/10.0.0.1"),
			setPools(pool("a", "10.0.0.1-10.0.0.3")),
			orphans("default/web"),
			lookup("default/web", "/10.0.0.0"),
			usage("a", "IPv4 1/3"),
			assign(web, v4(), "/10.0.0.0"),
			assign(web, Request{Families: []Family{IPv4}, ReplaceOrphan: true}, "a/10.0.0.2"),
			orphans(),
			holders("10.0.0.0"),
		},
		"orphan with a changed pool request moves": {
			setPools(pool("a", "10.0.0.0/30"), pool("b", "10.0.1.0/30")),
			assign(web, inPool("a", v4()), "a/10.0.0.0"),
			setPools(pool("a", "10.0.0.2/31"), pool("b", "10.0.1.0/30")),
			assign(web, inPool("b", v4()), "b/10.0.1.0"),
		},
		"an address back inside a pool is no orphan and is not handed out": {
			setPools(pool("a", "10.0.0.0/30")),
			assign(web, v4(), "a/10.0.0.0"),
			setPools(pool("a", "10.0.0.2/31")),
			orphans("default/web"),
			setPools(pool("a", "10.0.0.0/30")),
			orphans(),
			assign(api, v4(), "a/10.0.0.1"),
		},
		"released orphan address vanishes": {
			setPools(pool("a", "10.0.0.0/30")),
			assign(web, v4(), "a/10.0.0.0"),
			setPools(pool("a", "10.0.0.2/31")),
			release("default/web"),
			holders("10.0.0.0"),
			usage("a", "IPv4 0/2"),
		},
		"growing a pool keeps held addresses and lowest-free order": {
			setPools(pool("a", "10.0.0.4/30")),
			assign(web, v4(), "a/10.0.0.4"),
			setPools(pool("a", "10.0.0.0/29")),
			assign(api, v4(), "a/10.0.0.0"),
			assign(web, v4(), "a/10.0.0.4"),
		},
	}
	for name, steps := range tests {
		t.Run(name, func(t *testing.T) { run(t, steps) })
	}
}

func TestRequestChanges(t *testing.T) {
	p := setPools(pool("a", "10.0.0.0/29,2001:db8::/125"), pool("b", "10.0.1.0/29,2001:db8:1::/125", prio(1)))
	tests := map[string][]step{
		"new explicit address": {
			p,
			assign(web, v4(), "a/10.0.0.0"),
			assign(web, at(v4(), "10.0.0.5"), "a/10.0.0.5"),
			holders("10.0.0.0"),
			assign(api, v4(), "a/10.0.0.0"),
		},
		"explicit address in use: old one kept": {
			p,
			assign(web, v4(), "a/10.0.0.0"),
			assign(api, v4(), "a/10.0.0.1"),
			assignErr(web, at(v4(), "10.0.0.1"), ErrInUse, "address 10.0.0.1 is in use by default/api (no sharing key)"),
			lookup("default/web", "a/10.0.0.0"),
		},
		"explicit address equal to the held one": {
			p,
			assign(web, v4(), "a/10.0.0.0"),
			assign(web, at(v4(), "10.0.0.0"), "a/10.0.0.0"),
		},
		"new pool": {
			p,
			assign(web, v4(), "a/10.0.0.0"),
			assign(web, inPool("b", v4()), "b/10.0.1.0"),
			usage("a", "IPv4 0/8 IPv6 0/8"),
		},
		"naming the current pool keeps the address": {
			p,
			assign(web, v4(), "a/10.0.0.0"),
			assign(web, inPool("a", v4()), "a/10.0.0.0"),
		},
		"new pool exhausted: old one kept": {
			setPools(pool("a", "10.0.0.0/29"), pool("b", "10.0.1.0/32", prio(1))),
			assign(api, inPool("b", v4()), "b/10.0.1.0"),
			assign(web, v4(), "a/10.0.0.0"),
			assignErr(web, inPool("b", v4()), ErrExhausted, `pool "b" is exhausted: 1 of 1 IPv4 addresses in use`),
			lookup("default/web", "a/10.0.0.0"),
		},
		"family flip": {
			p,
			assign(web, v4(), "a/10.0.0.0"),
			assign(web, v6(), "a/2001:db8::"),
			holders("10.0.0.0"),
		},
		"single to dual keeps the first address": {
			p,
			assign(api, v4(), "a/10.0.0.0"),
			assign(web, v4(), "a/10.0.0.1"),
			release("default/api"),
			assign(web, require4(), "a/10.0.0.1,2001:db8::"),
		},
		"dual to single drops the second family": {
			p,
			assign(web, require6(), "a/2001:db8::,10.0.0.0"),
			assign(web, v6(), "a/2001:db8::"),
			holders("10.0.0.0"),
		},
		"primary family swap keeps both": {
			p,
			assign(web, require4(), "a/10.0.0.0,2001:db8::"),
			assign(web, require6(), "a/2001:db8::,10.0.0.0"),
		},
		"prefer dual gains its second family later": {
			setPools(pool("a", "10.0.0.0/29")),
			assign(web, prefer4(), "a/10.0.0.0"),
			setPools(pool("a", "10.0.0.0/29,2001:db8::/125")),
			assign(web, prefer4(), "a/10.0.0.0,2001:db8::"),
		},
		"require dual on a pool without the second family moves": {
			setPools(pool("a", "10.0.0.0/29"), pool("d", "10.0.1.0/29,2001:db8::/125", prio(1))),
			assign(web, v4(), "a/10.0.0.0"),
			assign(web, require4(), "d/10.0.1.0,2001:db8::"),
		},
	}
	for name, steps := range tests {
		t.Run(name, func(t *testing.T) { run(t, steps) })
	}
}

func TestRestore(t *testing.T) {
	p := setPools(pool("a", "10.0.0.0/29,2001:db8::/125"))
	tests := map[string][]step{
		"restore then assign keeps it": {
			p,
			restore(web, "a/10.0.0.3", "10.0.0.3"),
			assign(web, v4(), "a/10.0.0.3"),
			assign(api, v4(), "a/10.0.0.0"),
		},
		"cursor steps over restored addresses": {
			p,
			restore(web, "a/10.0.0.0", "10.0.0.0"),
			restore(api, "a/10.0.0.1", "10.0.0.1"),
			assign(db, v4(), "a/10.0.0.2"),
		},
		"restore outside every pool is an orphan": {
			p,
			restore(web, "/192.0.2.1", "192.0.2.1"),
			orphans("default/web"),
			assign(web, inPool("a", v4()), "/192.0.2.1"),
		},
		"restore dual": {
			p,
			restore(web, "a/2001:db8::3,10.0.0.3", "2001:db8::3", "10.0.0.3"),
			assign(web, require6(), "a/2001:db8::3,10.0.0.3"),
			usage("a", "IPv4 1/8 IPv6 1/8"),
		},
		"restore conflict names the holder": {
			p,
			restore(web, "a/10.0.0.3", "10.0.0.3"),
			restoreErr(api, ErrInUse, "address 10.0.0.3 is in use by default/web (no sharing key)", "10.0.0.3"),
		},
		"restore replaces": {
			p,
			restore(web, "a/10.0.0.3", "10.0.0.3"),
			restore(web, "a/10.0.0.4", "10.0.0.4"),
			holders("10.0.0.3"),
		},
		"restore bad input": {
			p,
			restoreErr(web, ErrInvalidRequest, "restore default/web: want one or two addresses, got 0"),
			restoreErr(web, ErrInvalidRequest, "restore default/web: two IPv4 addresses 10.0.0.1 and 10.0.0.2", "10.0.0.1", "10.0.0.2"),
		},
		"restore into a disabled pool is no orphan": {
			setPools(pool("a", "10.0.0.0/29", disabled)),
			restore(web, "a/10.0.0.3", "10.0.0.3"),
			orphans(),
		},
		"restored buggy address is an orphan": {
			setPools(pool("a", "10.0.0.0/24", avoidBuggy)),
			restore(web, "/10.0.0.0", "10.0.0.0"),
			orphans("default/web"),
			usage("a", "IPv4 0/254"),
		},
	}
	for name, steps := range tests {
		t.Run(name, func(t *testing.T) { run(t, steps) })
	}
}

func TestSetPools(t *testing.T) {
	tests := map[string][]step{
		"overlap refused, nothing changes": {
			setPools(pool("a", "10.0.0.0/24")),
			setPoolsErr(ErrPoolOverlap, `pools "a" and "b" overlap: 10.0.0.0/24 and 10.0.0.128-10.0.1.5`,
				pool("a", "10.0.0.0/24"), pool("b", "10.0.0.128-10.0.1.5")),
			usage("b", ""),
			assign(web, v4(), "a/10.0.0.0"),
		},
		"overlap within a pool": {
			setPoolsErr(ErrPoolOverlap, `pool "a": ranges 10.0.0.0/24 and 10.0.0.7/32 overlap`, pool("a", "10.0.0.0/24,10.0.0.7/32")),
		},
		"overlap with a disabled pool allowed": {
			setPools(pool("a", "10.0.0.0/24"), pool("b", "10.0.0.0/25", disabled)),
			assign(web, v4(), "a/10.0.0.0"),
		},
		"other families never overlap": {
			setPools(pool("a", "0.0.0.0/0"), pool("b", "::/0")),
		},
		"duplicate name": {
			setPoolsErr(ErrInvalidPool, `pool "a" is defined twice`, pool("a", "10.0.0.0/24"), pool("a", "10.0.1.0/24")),
		},
		"no name": {
			setPoolsErr(ErrInvalidPool, "a pool has no name", pool("", "10.0.0.0/24")),
		},
		"hand-built bad range": {
			setPoolsErr(ErrInvalidPool, `pool "a": invalid address range 10.0.0.9-10.0.0.1: end before start`,
				Pool{Name: "a", Ranges: []Range{{First: addr("10.0.0.9"), Last: addr("10.0.0.1")}}}),
		},
		"released addresses survive a rebuild in order": {
			setPools(pool("a", "10.0.0.0/29")),
			assign(web, v4(), "a/10.0.0.0"),
			assign(api, v4(), "a/10.0.0.1"),
			assign(db, v4(), "a/10.0.0.2"),
			release("default/web"),
			setPools(pool("a", "10.0.0.0/29"), pool("b", "10.0.1.0/29")),
			assign(svc("x/y"), v4(), "a/10.0.0.0"),
			assign(svc("x/z"), v4(), "a/10.0.0.3"),
		},
		"unknown pool usage": {
			usage("nope", ""),
		},
	}
	for name, steps := range tests {
		t.Run(name, func(t *testing.T) { run(t, steps) })
	}
}
