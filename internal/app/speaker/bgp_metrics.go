package speaker

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/farol-lb/farol/internal/announce/bgp"
	"github.com/farol-lb/farol/internal/bfd"
)

// bgpScrapeTimeout bounds how long a scrape waits for the announcer.
const bgpScrapeTimeout = 2 * time.Second

// bgpMetrics reports the sessions as they are when scraped: read from the
// announcer and the BFD runner then, so no loop has to keep gauges in step
// and a removed peer's series go with it. BFD transitions are counted as
// they happen (bfdWatch).
type bgpMetrics struct {
	sessions sessionLister
	bfd      bfdStates // nil: no BFD

	up, prefixes, updates, bfdUp *prometheus.Desc
	transitions                  *prometheus.CounterVec
}

func newBGPMetrics(reg prometheus.Registerer, sessions sessionLister, states bfdStates) (*bgpMetrics, error) {
	peer := []string{"peer"}
	m := &bgpMetrics{
		sessions: sessions, bfd: states,
		up: prometheus.NewDesc("farol_bgp_session_up",
			"1 while this node's BGP session with the peer is Established, else 0.", peer, nil),
		prefixes: prometheus.NewDesc("farol_bgp_prefixes_advertised",
			"Prefixes this node advertises to the peer now.", peer, nil),
		updates: prometheus.NewDesc("farol_bgp_updates_sent_total",
			"BGP UPDATE messages this node sent to the peer.", peer, nil),
		bfdUp: prometheus.NewDesc("farol_bfd_session_up",
			"1 while this node's BFD session with the peer is Up, else 0; absent without BFD.", peer, nil),
		transitions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "farol_bfd_transitions_total",
			Help: "Changes of state of this node's BFD session with the peer, by the state entered.",
		}, []string{"peer", "state"}),
	}
	for _, c := range []prometheus.Collector{m, m.transitions} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *bgpMetrics) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{m.up, m.prefixes, m.updates, m.bfdUp} {
		ch <- d
	}
}

func (m *bgpMetrics) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), bgpScrapeTimeout)
	defer cancel()
	ss, err := m.sessions.Sessions(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(m.up, err)
		return
	}
	for _, s := range ss {
		up := 0.0
		if s.State == bgp.Established {
			up = 1
		}
		ch <- prometheus.MustNewConstMetric(m.up, prometheus.GaugeValue, up, s.Peer)
		ch <- prometheus.MustNewConstMetric(m.prefixes, prometheus.GaugeValue, float64(s.PrefixesSent), s.Peer)
		ch <- prometheus.MustNewConstMetric(m.updates, prometheus.CounterValue, float64(s.UpdatesSent), s.Peer)
		if m.bfd == nil {
			continue
		}
		if st, ok := m.bfd.State(s.Address); ok {
			v := 0.0
			if st == bfd.Up {
				v = 1
			}
			ch <- prometheus.MustNewConstMetric(m.bfdUp, prometheus.GaugeValue, v, s.Peer)
		}
	}
}
