package speaker

import "github.com/prometheus/client_golang/prometheus"

// speakerMetrics are the speaker's own metrics; the responders count
// requests, replies and gratuitous packets themselves (package l2).
type speakerMetrics struct {
	ownershipChanges prometheus.Counter
	members          prometheus.Gauge
}

func newSpeakerMetrics(reg prometheus.Registerer) (*speakerMetrics, error) {
	m := &speakerMetrics{
		ownershipChanges: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "farol_speaker_ownership_changes_total",
			Help: "Times this node took over announcing a Service.",
		}),
		members: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "farol_speaker_live_members",
			Help: "Speakers this node sees alive, itself included.",
		}),
	}
	for _, c := range []prometheus.Collector{m.ownershipChanges, m.members} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}
