package l2

import (
	"slices"
	"testing"
	"time"
)

func TestNDP(t *testing.T) {
	l := newLab(t, 1)
	p := pair(0)
	a := l.announcer(t, answerOnly())
	owned, other := vip6(0, 0x100), vip6(0, 0x101)
	l.mustSet(t, a, only(owned))

	t.Run("owned address is answered with the node's MAC", func(t *testing.T) {
		start := time.Now()
		macs := l.ndisc6(t, p.client, owned, 1000, false)
		if !slices.Equal(macs, []string{p.nodeMAC.String()}) {
			t.Fatalf("ndisc6 %s: answers %v, want exactly [%s]", owned, macs, p.nodeMAC)
		}
		t.Logf("ndisc6 run including process start: %v", time.Since(start))
		if macs := l.ndisc6(t, p.client, owned, 1000, true); !slices.Equal(macs, []string{p.nodeMAC.String()}) {
			t.Fatalf("ndisc6 -m %s: answers %v, want exactly [%s]", owned, macs, p.nodeMAC)
		}
	})
	t.Run("client kernel resolves it too", func(t *testing.T) {
		l.flushNeighbours(t, p.client)
		l.poke(t, owned)
		l.waitNeighbour(t, p.client, owned, p.nodeMAC, 2*time.Second)
	})
	t.Run("address not owned is not answered", func(t *testing.T) {
		if macs := l.ndisc6(t, p.client, other, 500, false); len(macs) != 0 {
			t.Fatalf("ndisc6 %s: answers %v, want none", other, macs)
		}
	})
	t.Run("dropped address is no longer answered", func(t *testing.T) {
		l.mustSet(t, a, nil)
		if macs := l.ndisc6(t, p.client, owned, 500, false); len(macs) != 0 {
			t.Fatalf("ndisc6 %s after drop: answers %v, want none", owned, macs)
		}
	})
}
