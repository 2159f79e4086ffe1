package l2

import (
	"net/netip"
	"reflect"
	"testing"
	"time"
)

func TestSchedule(t *testing.T) {
	a := netip.MustParseAddr("10.0.0.1")
	b := netip.MustParseAddr("10.0.0.2")
	t0 := time.Unix(1000, 0)
	ms := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }
	type step struct {
		at   time.Time
		add  []netip.Addr
		rm   []netip.Addr
		due  []netip.Addr
		wake time.Time
	}
	tests := map[string]struct {
		count             int
		interval, refresh time.Duration
		steps             []step
	}{
		"burst then refresh": {
			count: 3, interval: 50 * time.Millisecond, refresh: time.Second,
			steps: []step{
				{at: ms(0), add: []netip.Addr{a}, due: []netip.Addr{a}, wake: ms(50)},
				{at: ms(20), wake: ms(50)},
				{at: ms(50), due: []netip.Addr{a}, wake: ms(100)},
				{at: ms(101), due: []netip.Addr{a}, wake: ms(1101)},
				{at: ms(1101), due: []netip.Addr{a}, wake: ms(2101)},
			},
		},
		"burst without refresh ends": {
			count: 2, interval: 10 * time.Millisecond, refresh: -1,
			steps: []step{
				{at: ms(0), add: []netip.Addr{a}, due: []netip.Addr{a}, wake: ms(10)},
				{at: ms(10), due: []netip.Addr{a}},
				{at: ms(5000)},
			},
		},
		"no burst, refresh only": {
			count: 0, interval: 10 * time.Millisecond, refresh: time.Second,
			steps: []step{
				{at: ms(0), add: []netip.Addr{a}, wake: ms(1000)},
				{at: ms(1000), due: []netip.Addr{a}, wake: ms(2000)},
			},
		},
		"two addresses interleave, removal stops one": {
			count: 2, interval: 50 * time.Millisecond, refresh: time.Second,
			steps: []step{
				{at: ms(0), add: []netip.Addr{a}, due: []netip.Addr{a}, wake: ms(50)},
				{at: ms(30), add: []netip.Addr{b}, due: []netip.Addr{b}, wake: ms(50)},
				{at: ms(50), due: []netip.Addr{a}, wake: ms(80)},
				{at: ms(60), rm: []netip.Addr{b}, wake: ms(1050)},
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			s := newSchedule(tc.count, tc.interval, tc.refresh)
			for i, st := range tc.steps {
				for _, x := range st.add {
					s.add(x, st.at)
				}
				for _, x := range st.rm {
					s.remove(x)
				}
				due, wake := s.due(st.at)
				if !reflect.DeepEqual(due, st.due) || !wake.Equal(st.wake) {
					t.Fatalf("step %d: due %v wake %v, want %v wake %v", i, due, wake.Sub(t0), st.due, st.wake.Sub(t0))
				}
			}
		})
	}
}
