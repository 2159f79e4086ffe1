package l2

import (
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestMetrics(t *testing.T) {
	l := newLab(t, 1)
	p := pair(0)
	reg := prometheus.NewRegistry()
	o := labOptions()
	o.Registry = reg
	o.RefreshInterval = -1 // keep the gratuitous count exact
	a := l.announcer(t, o)
	v4, v6 := vip4(0, 100), vip6(0, 0x100)
	l.mustSet(t, a, map[netip.Addr][]string{v4: nil, v6: nil})

	value := func(c *prometheus.CounterVec, fam string) float64 {
		return testutil.ToFloat64(c.WithLabelValues(p.node, fam))
	}
	// A burst of 3 rounds: two ARP forms per round, one NA.
	deadline := time.Now().Add(2 * time.Second)
	for value(a.metrics.gratuitous, "ipv4") < 6 || value(a.metrics.gratuitous, "ipv6") < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("gratuitous sent: ipv4 %v, ipv6 %v; want 6 and 3",
				value(a.metrics.gratuitous, "ipv4"), value(a.metrics.gratuitous, "ipv6"))
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond) // nothing more may come
	if g4, g6 := value(a.metrics.gratuitous, "ipv4"), value(a.metrics.gratuitous, "ipv6"); g4 != 6 || g6 != 3 {
		t.Errorf("gratuitous sent: ipv4 %v, ipv6 %v; want exactly 6 and 3", g4, g6)
	}

	if macs, _ := l.arping(t, p.client, v4, 2); !slices.Equal(macs, []string{p.nodeMAC.String()}) {
		t.Fatalf("arping: %v", macs)
	}
	if macs := l.ndisc6(t, p.client, v6, 1000, false); !slices.Equal(macs, []string{p.nodeMAC.String()}) {
		t.Fatalf("ndisc6: %v", macs)
	}
	for _, fam := range []string{"ipv4", "ipv6"} {
		if got := value(a.metrics.requests, fam); got != 1 {
			t.Errorf("requests received %s = %v, want 1", fam, got)
		}
		if got := value(a.metrics.replies, fam); got != 1 {
			t.Errorf("replies sent %s = %v, want 1", fam, got)
		}
		if got := testutil.ToFloat64(a.metrics.owned.WithLabelValues(fam)); got != 1 {
			t.Errorf("addresses owned %s = %v, want 1", fam, got)
		}
	}
	names := []string{"farol_l2_requests_received_total", "farol_l2_replies_sent_total", "farol_l2_gratuitous_sent_total", "farol_l2_addresses_owned"}
	for _, name := range names {
		if n, err := testutil.GatherAndCount(reg, name); err != nil || n == 0 {
			t.Errorf("%s in the registry: %d series, %v", name, n, err)
		}
	}

	l.mustSet(t, a, nil)
	if got := testutil.ToFloat64(a.metrics.owned.WithLabelValues("ipv4")); got != 0 {
		t.Errorf("addresses owned after drop = %v, want 0", got)
	}

	// A second Announcer on the same registry (a restart) keeps counting in
	// the same collectors instead of failing to register.
	b := l.announcer(t, o)
	if b.metrics.requests != a.metrics.requests || b.metrics.owned != a.metrics.owned {
		t.Error("second Announcer did not reuse the registered collectors")
	}
}
