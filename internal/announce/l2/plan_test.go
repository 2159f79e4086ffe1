package l2

import (
	"net/netip"
	"reflect"
	"testing"
)

func TestDiff(t *testing.T) {
	a := netip.MustParseAddr("10.0.0.1")
	b := netip.MustParseAddr("10.0.0.2")
	c := netip.MustParseAddr("fd00::1")
	eth0 := link{"eth0", famIPv4}
	eth0v6 := link{"eth0", famIPv6}
	eth1 := link{"eth1", famIPv4}
	tests := map[string]struct {
		have, want placement
		changes    []linkChange
	}{
		"nothing":   {have: placement{}, want: placement{}},
		"unchanged": {have: placement{eth0: {a: {}}}, want: placement{eth0: {a: {}}}},
		"first address opens": {
			have:    placement{},
			want:    placement{eth0: {a: {}}, eth0v6: {c: {}}},
			changes: []linkChange{{link: eth0, open: true, add: []netip.Addr{a}}, {link: eth0v6, open: true, add: []netip.Addr{c}}},
		},
		"last address closes": {
			have:    placement{eth0: {a: {}, b: {}}},
			want:    placement{},
			changes: []linkChange{{link: eth0, close: true, remove: []netip.Addr{a, b}}},
		},
		"empty set counts as absent": {
			have:    placement{eth0: {}},
			want:    placement{eth0: {a: {}}},
			changes: []linkChange{{link: eth0, open: true, add: []netip.Addr{a}}},
		},
		"swap on one link": {
			have:    placement{eth0: {a: {}}},
			want:    placement{eth0: {b: {}}},
			changes: []linkChange{{link: eth0, add: []netip.Addr{b}, remove: []netip.Addr{a}}},
		},
		"move between links": {
			have: placement{eth0: {a: {}, b: {}}},
			want: placement{eth0: {b: {}}, eth1: {a: {}}},
			changes: []linkChange{
				{link: eth0, remove: []netip.Addr{a}},
				{link: eth1, open: true, add: []netip.Addr{a}},
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := diff(tc.have, tc.want); !reflect.DeepEqual(got, tc.changes) {
				t.Errorf("diff =\n%+v\nwant\n%+v", got, tc.changes)
			}
		})
	}
}
