package ipam

import (
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

func TestRangeStateCursor(t *testing.T) {
	tests := map[string]struct {
		rng   string // hand-built "first-last"; may end inside the mapped block
		start string // cursor position to begin with
		want  []string
	}{
		"steps over the mapped block": {
			rng: "::fffe:ffff:ffff-::1:0:0:1", start: "::fffe:ffff:fffe",
			want: []string{"::fffe:ffff:fffe", "::fffe:ffff:ffff", "::1:0:0:0", "::1:0:0:1"},
		},
		"range ending inside the mapped block": {
			rng: "::fffe:0:0-::ffff:ffff:ffff", start: "::fffe:ffff:fffe",
			want: []string{"::fffe:ffff:fffe", "::fffe:ffff:ffff"},
		},
		"top of the IPv4 space": {
			rng: "255.255.255.253-255.255.255.255", start: "255.255.255.253",
			want: []string{"255.255.255.253", "255.255.255.254", "255.255.255.255"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			f, l, _ := strings.Cut(tc.rng, "-")
			r := &rangeState{Range: Range{addr(f), addr(l)}, pool: &poolState{}, next: addr(tc.start)}
			slots := map[netip.Addr]*slot{}
			var got []string
			for range 10 {
				x, ok := r.peek(slots)
				if !ok {
					break
				}
				r.take(x, slots)
				got = append(got, x.String())
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("handed out %v, want %v", got, tc.want)
			}
		})
	}
}

func TestAddrHeap(t *testing.T) {
	var h addrHeap
	in := []string{"10.0.0.9", "10.0.0.1", "10.0.0.5", "10.0.0.3", "10.0.0.7", "10.0.0.2"}
	for _, s := range in {
		h.push(addr(s))
	}
	var got []string
	for len(h) > 0 {
		got = append(got, h.pop().String())
	}
	want := slices.Clone(in)
	slices.SortFunc(want, func(x, y string) int { return addr(x).Compare(addr(y)) })
	if !slices.Equal(got, want) {
		t.Errorf("popped %v, want %v", got, want)
	}
}

func TestJoinCapped(t *testing.T) {
	tests := map[string]struct {
		n    int
		want string
	}{
		"few":  {3, "r0; r1; r2"},
		"many": {10, "r0; r1; r2; r3; r4; r5; r6; r7; and 2 more"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var items []string
			for i := range tc.n {
				items = append(items, "r"+string(rune('0'+i)))
			}
			if got := joinCapped(items); got != tc.want {
				t.Errorf("joinCapped = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestRangeValidate(t *testing.T) {
	tests := map[string]struct {
		r   Range
		err error
	}{
		"zero":                              {Range{}, ErrMalformed},
		"zone":                              {Range{addr("fe80::1%eth0"), addr("fe80::2%eth0")}, ErrZone},
		"mapped":                            {Range{addr("::ffff:10.0.0.1"), addr("::ffff:10.0.0.2")}, ErrIPv4Mapped},
		"mapped end":                        {Range{addr("::1"), addr("::ffff:10.0.0.2")}, ErrIPv4Mapped},
		"prefix ending in the mapped block": {Range{addr("::"), addr("::ffff:255.255.255.255")}, nil},
		"mixed":                             {Range{addr("10.0.0.1"), addr("::1")}, ErrMixedFamilies},
		"reversed":                          {Range{addr("10.0.0.2"), addr("10.0.0.1")}, ErrReversed},
		"ok":                                {Range{addr("10.0.0.1"), addr("10.0.0.1")}, nil},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			err := tc.r.validate()
			if tc.err == nil && err != nil || tc.err != nil && !errors.Is(err, tc.err) {
				t.Errorf("validate(%v) = %v, want %v", tc.r, err, tc.err)
			}
		})
	}
}
