package speaker

import (
	"strings"

	"github.com/prometheus/client_golang/prometheus"
)

// speakerMetrics are the speaker's own metrics; the responders count
// requests, replies and gratuitous packets themselves (package l2).
type speakerMetrics struct {
	ownershipChanges prometheus.Counter
	members          prometheus.Gauge
	unannounced      *prometheus.GaugeVec
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
		// Every speaker decides for every Service, so each reports the
		// same view; a Service appears only while some address of it has
		// no announcing node.
		unannounced: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "farol_speaker_unannounced_addresses",
			Help: "Addresses of a Service that no node announces, as this speaker decides it (the NotAnnounced event says why).",
		}, []string{"namespace", "service"}),
	}
	for _, c := range []prometheus.Collector{m.ownershipChanges, m.members, m.unannounced} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// setUnannounced records how many addresses of a Service ("namespace/name")
// no node announces; 0 removes its series.
func (m *speakerMetrics) setUnannounced(service string, n int) {
	ns, name, _ := strings.Cut(service, "/")
	if n == 0 {
		m.unannounced.DeleteLabelValues(ns, name)
		return
	}
	m.unannounced.WithLabelValues(ns, name).Set(float64(n))
}
