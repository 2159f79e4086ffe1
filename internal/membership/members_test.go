package membership

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

func TestJoinAllSeeEachOther(t *testing.T) {
	c := newCluster(t, 4, nil) // waits until every member sees all four
	// Joining again, with the same or a reordered list, changes nothing.
	for _, name := range c.names {
		reversed := c.addrs()
		slices.Reverse(reversed)
		if err := c.m[name].Join(reversed); err != nil {
			t.Errorf("%s: second Join: %v", name, err)
		}
	}
	c.waitAll(c.names, time.Second)
}

// TestCrashDetected closes a member without Leave, as a killed process, and
// measures how long the others take to drop it. The median of five trials
// must be within a second; a single trial may be slower when the machine is
// overloaded (the race detector on two busy cores delays probes and can
// even get a member falsely suspected), but never beyond two.
func TestCrashDetected(t *testing.T) {
	var times []time.Duration
	for trial := range 5 {
		c := newCluster(t, 4, nil)
		victim := c.names[trial%len(c.names)]
		if err := c.m[victim].Close(); err != nil {
			t.Fatal(err)
		}
		took := c.waitAll(without(c.names, victim), 2*time.Second)
		t.Logf("trial %d: %s closed, gone from every other member after %v (per member %v)", trial, victim, slowest(took), took)
		times = append(times, slowest(took))
	}
	slices.Sort(times)
	t.Logf("failure detection: min %v, median %v, max %v", times[0], times[len(times)/2], times[len(times)-1])
	if median := times[len(times)/2]; median > time.Second {
		t.Errorf("median failure detection %v, want ≤ 1s", median)
	}
}

// TestLinkCutDetectedAndHealed cuts a member off the network with its
// process running, then restores the link: both sides must drop each other
// and then find each other again without any call from the caller.
func TestLinkCutDetectedAndHealed(t *testing.T) {
	c := newCluster(t, 4, nil)
	victim := c.names[1]
	c.cuts[victim].cut.Store(true)
	took := c.waitAll(without(c.names, victim), 2*time.Second) // see TestCrashDetected on the bound
	t.Logf("link of %s cut: gone from every other member after %v (per member %v)", victim, slowest(took), took)
	if _, ok := waitLive(c.m[victim], []string{victim}, 2*time.Second); !ok {
		t.Fatalf("cut-off %s still sees %v", victim, c.m[victim].Live())
	}

	c.cuts[victim].cut.Store(false)
	took = c.waitAll(c.names, 5*time.Second)
	t.Logf("link of %s restored: every member sees all after %v", victim, slowest(took))
}

func TestLeave(t *testing.T) {
	c := newCluster(t, 4, nil)
	leaver := c.names[2]
	if err := c.m[leaver].Leave(time.Second); err != nil {
		t.Fatalf("Leave: %v", err)
	}
	took := c.waitAll(without(c.names, leaver), time.Second)
	t.Logf("%s left: gone from every other member after %v", leaver, slowest(took))

	if err := c.m[leaver].Leave(time.Second); err != nil {
		t.Errorf("second Leave: %v", err)
	}
	if err := c.m[leaver].Join(c.addrs()); !errors.Is(err, ErrClosed) {
		t.Errorf("Join after Leave: %v, want ErrClosed", err)
	}
	// It must not come back through the others' rejoin rounds either.
	time.Sleep(2 * DefaultRejoinInterval)
	if got := c.m[c.names[0]].Live(); slices.Contains(got, leaver) {
		t.Errorf("%s is back after leaving: %v", leaver, got)
	}
	if err := c.m[leaver].Close(); err != nil {
		t.Errorf("Close after Leave: %v", err)
	}
	if err := c.m[leaver].Leave(time.Second); !errors.Is(err, ErrClosed) {
		t.Errorf("Leave after Close: %v, want ErrClosed", err)
	}
	if err := c.m[leaver].Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// TestRestartRejoins replaces a member by a new process with the same name
// and port. The others re-join it on their own (the new one makes no Join
// call), as after a crash-loop restart or a reboot.
func TestRestartRejoins(t *testing.T) {
	tests := map[string]struct{ newcomerJoins bool }{
		"others find it":      {false},
		"it joins the others": {true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c := newCluster(t, 3, nil)
			victim := c.names[0]
			_ = c.m[victim].Close()
			c.waitAll(without(c.names, victim), 2*time.Second)

			o := c.opts[victim]
			o.wrapTransport = nil
			c.m[victim] = start(t, o)
			if tc.newcomerJoins {
				if err := c.m[victim].Join(c.addrs()); err != nil {
					t.Fatalf("Join: %v", err)
				}
			}
			took := c.waitAll(c.names, 5*time.Second)
			t.Logf("restarted %s seen by all after %v", victim, slowest(took))
		})
	}
}

func TestChangesCoalesce(t *testing.T) {
	c := newCluster(t, 3, nil)
	m := c.m[c.names[0]]
	// Several joins happened; the channel holds at most one notification.
	if len(m.Changes()) > 1 {
		t.Fatalf("Changes() holds %d notifications, want ≤ 1", len(m.Changes()))
	}
	for len(m.Changes()) > 0 {
		<-m.Changes()
	}
	_ = c.m[c.names[2]].Close()
	select {
	case <-m.Changes():
	case <-time.After(2 * time.Second):
		t.Fatal("no change notified after a member failed")
	}
}

func TestStartAndStop(t *testing.T) {
	t.Run("port in use", func(t *testing.T) {
		o := testOptions(t, "a", freePort(t))
		start(t, o)
		o.NodeName = "b"
		if m, err := Start(t.Context(), o); err == nil {
			_ = m.Close()
			t.Fatal("second Start on the same port succeeded")
		}
	})
	t.Run("live includes self", func(t *testing.T) {
		m := start(t, testOptions(t, "solo", freePort(t)))
		if got := m.Live(); !slices.Equal(got, []string{"solo"}) {
			t.Errorf("Live() = %v, want [solo]", got)
		}
	})
	t.Run("cancelled context ends the rejoin loop only", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		m, err := Start(ctx, testOptions(t, "a", freePort(t)))
		if err != nil {
			t.Fatal(err)
		}
		cancel()
		select {
		case <-m.done:
		case <-time.After(time.Second):
			t.Fatal("rejoin loop still running after cancel")
		}
		if err := m.Leave(time.Second); err != nil { // a speaker leaves after its context ends
			t.Errorf("Leave after cancel: %v", err)
		}
		if err := m.Close(); err != nil {
			t.Errorf("Close after cancel: %v", err)
		}
	})
}

// TestRefutedAfterCut: a member that the others declared dead learns of it
// when it is back, refutes, and says so on Refuted, which is how the
// speaker knows to claim its addresses back on the wire.
func TestRefutedAfterCut(t *testing.T) {
	c := newCluster(t, 3, nil)
	victim := c.names[0]
	select {
	case <-c.m[victim].Refuted():
		t.Fatalf("%s refuted an accusation before anything happened", victim)
	default:
	}
	c.cuts[victim].cut.Store(true)
	c.waitAll(without(c.names, victim), 10*time.Second)
	c.cuts[victim].cut.Store(false)
	select {
	case <-c.m[victim].Refuted():
	case <-time.After(10 * time.Second):
		t.Fatalf("%s was declared dead and came back, but Refuted said nothing within 10s", victim)
	}
	c.waitAll(c.names, 10*time.Second)
}

// TestProtocolsPublished: each member sees the protocol every live member
// published, 0 for one that published none.
func TestProtocolsPublished(t *testing.T) {
	protos := map[string]int{}
	c := newCluster(t, 3, func(o *Options) {
		switch o.NodeName {
		case "node-0":
			o.Protocol = 2
		case "node-1":
			o.Protocol = 1
		}
		protos[o.NodeName] = o.Protocol
	})
	if protos["node-0"] != 2 || protos["node-1"] != 1 {
		t.Fatalf("members named otherwise than the test expects: %v", protos)
	}
	for _, name := range c.names {
		got := c.m[name].Protocols()
		if len(got) != 3 {
			t.Fatalf("%s sees protocols %v, want all three members", name, got)
		}
		for n, p := range protos {
			if got[n] != p {
				t.Errorf("%s sees %s speaking %d, want %d", name, n, got[n], p)
			}
		}
	}
}
