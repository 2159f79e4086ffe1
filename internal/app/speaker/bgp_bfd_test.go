package speaker

import (
	"context"
	"log/slog"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/farol-lb/farol/internal/announce/bgp"
	"github.com/farol-lb/farol/internal/bfd"
)

type fakeSessions []bgp.Session

func (f fakeSessions) Sessions(context.Context) ([]bgp.Session, error) { return f, nil }

type fakeResetter struct{ reset []netip.Addr }

func (f *fakeResetter) ResetSession(_ context.Context, addr netip.Addr, why string) error {
	if why != bfdDownReason {
		panic(why)
	}
	f.reset = append(f.reset, addr)
	return nil
}

type fakeStates map[netip.Addr]bfd.State

func (f fakeStates) State(a netip.Addr) (bfd.State, bool) { s, ok := f[a]; return s, ok }

var (
	torAddr   = netip.MustParseAddr("192.0.2.1")
	otherAddr = netip.MustParseAddr("192.0.2.2")
)

// Only a session that was Up and went Down resets its BGP session: the
// handshake's Down→Init→Up, a session that never came up timing out, and
// AdminDown from our side leave BGP alone. Every transition is counted.
func TestBFDWatchResetsOnDown(t *testing.T) {
	ev := func(from, to bfd.State) bfd.Event {
		return bfd.Event{Remote: torAddr, Change: bfd.Change{From: from, To: to}}
	}
	for name, tc := range map[string]struct {
		events []bfd.Event
		reset  bool
	}{
		"up then down":   {events: []bfd.Event{ev(bfd.Down, bfd.Init), ev(bfd.Init, bfd.Up), ev(bfd.Up, bfd.Down)}, reset: true},
		"handshake only": {events: []bfd.Event{ev(bfd.Down, bfd.Init), ev(bfd.Init, bfd.Up)}},
		"init times out": {events: []bfd.Event{ev(bfd.Down, bfd.Init), ev(bfd.Init, bfd.Down)}},
		"admin down":     {events: []bfd.Event{ev(bfd.Up, bfd.AdminDown)}},
		"down, up, down": {events: []bfd.Event{ev(bfd.Up, bfd.Down), ev(bfd.Down, bfd.Up), ev(bfd.Up, bfd.Down)}, reset: true},
	} {
		t.Run(name, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			sessions := fakeSessions{{Peer: "tor", Address: torAddr}}
			m, err := newBGPMetrics(reg, sessions, nil)
			if err != nil {
				t.Fatal(err)
			}
			r := &fakeResetter{}
			w := &bfdWatch{reset: r, names: sessions, metrics: m, log: slog.New(slog.DiscardHandler)}
			downs := 0
			for _, e := range tc.events {
				w.handle(context.Background(), e)
				if e.From == bfd.Up && e.To == bfd.Down {
					downs++
				}
			}
			if tc.reset != (len(r.reset) > 0) || (tc.reset && (len(r.reset) != downs || !slices.Contains(r.reset, torAddr))) {
				t.Errorf("resets %v, want one per Up→Down (%d)", r.reset, downs)
			}
			var total float64
			for _, st := range []bfd.State{bfd.Down, bfd.Init, bfd.Up, bfd.AdminDown} {
				total += testutil.ToFloat64(m.transitions.WithLabelValues("tor", st.String()))
			}
			if int(total) != len(tc.events) {
				t.Errorf("%v transitions counted, want %d", total, len(tc.events))
			}
		})
	}
}

// The watch reads the runner's events until its context ends.
func TestBFDWatchRuns(t *testing.T) {
	events := make(chan bfd.Event, 1)
	r := &fakeResetter{}
	w := &bfdWatch{events: events, reset: r, log: slog.New(slog.DiscardHandler)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.run(ctx); close(done) }()
	events <- bfd.Event{Remote: otherAddr, Change: bfd.Change{From: bfd.Up, To: bfd.Down}}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) && len(events) > 0 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	<-done
	if !slices.Equal(r.reset, []netip.Addr{otherAddr}) {
		t.Errorf("resets %v, want [%v]", r.reset, otherAddr)
	}
}

// The session metrics are read when scraped: one series per configured
// peer, BFD only where a BFD session runs.
func TestBGPMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	sessions := fakeSessions{
		{Peer: "tor", Address: torAddr, State: bgp.Established, PrefixesSent: 3, UpdatesSent: 7},
		{Peer: "spare", Address: otherAddr, State: "active"},
	}
	if _, err := newBGPMetrics(reg, sessions, fakeStates{torAddr: bfd.Up}); err != nil {
		t.Fatal(err)
	}
	want := `
# HELP farol_bfd_session_up 1 while this node's BFD session with the peer is Up, else 0; absent without BFD.
# TYPE farol_bfd_session_up gauge
farol_bfd_session_up{peer="tor"} 1
# HELP farol_bgp_prefixes_advertised Prefixes this node advertises to the peer now.
# TYPE farol_bgp_prefixes_advertised gauge
farol_bgp_prefixes_advertised{peer="spare"} 0
farol_bgp_prefixes_advertised{peer="tor"} 3
# HELP farol_bgp_session_up 1 while this node's BGP session with the peer is Established, else 0.
# TYPE farol_bgp_session_up gauge
farol_bgp_session_up{peer="spare"} 0
farol_bgp_session_up{peer="tor"} 1
# HELP farol_bgp_updates_sent_total BGP UPDATE messages this node sent to the peer.
# TYPE farol_bgp_updates_sent_total counter
farol_bgp_updates_sent_total{peer="spare"} 0
farol_bgp_updates_sent_total{peer="tor"} 7
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want),
		"farol_bfd_session_up", "farol_bgp_prefixes_advertised", "farol_bgp_session_up", "farol_bgp_updates_sent_total"); err != nil {
		t.Error(err)
	}
}
