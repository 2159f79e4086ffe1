package l2

import (
	"slices"
	"testing"
	"time"
)

func TestARP(t *testing.T) {
	l := newLab(t, 1)
	p := pair(0)
	a := l.announcer(t, answerOnly())
	owned, other := vip4(0, 100), vip4(0, 101)
	l.mustSet(t, a, only(owned))

	t.Run("owned address is answered once with the node's MAC", func(t *testing.T) {
		macs, rtt := l.arping(t, p.client, owned, 2)
		if !slices.Equal(macs, []string{p.nodeMAC.String()}) {
			t.Fatalf("arping %s: replies %v, want exactly [%s]", owned, macs, p.nodeMAC)
		}
		t.Logf("answer round trip as arping measures it: %v", rtt)
		// Listening a full second shows a second answer if there is one.
		if macs, _ := l.arping(t, p.client, owned, 0); !slices.Equal(macs, []string{p.nodeMAC.String()}) {
			t.Fatalf("arping %s for a second: replies %v, want exactly [%s]", owned, macs, p.nodeMAC)
		}
	})
	t.Run("client kernel resolves it too", func(t *testing.T) {
		l.flushNeighbours(t, p.client)
		l.poke(t, owned)
		l.waitNeighbour(t, p.client, owned, p.nodeMAC, 2*time.Second)
	})
	t.Run("address not owned is not answered", func(t *testing.T) {
		if macs, _ := l.arping(t, p.client, other, 1); len(macs) != 0 {
			t.Fatalf("arping %s: replies %v, want none", other, macs)
		}
	})
	t.Run("dropped address is no longer answered", func(t *testing.T) {
		l.mustSet(t, a, nil)
		if got := a.Owned(); len(got) != 0 {
			t.Fatalf("Owned = %v, want nothing", got)
		}
		if macs, _ := l.arping(t, p.client, owned, 1); len(macs) != 0 {
			t.Fatalf("arping %s after drop: replies %v, want none", owned, macs)
		}
	})
}
