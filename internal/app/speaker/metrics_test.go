package speaker

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/farol-lb/farol/internal/decision"
)

// TestUnannouncedMetric: a Service has a series while some address of it
// has no announcing node, valued the number of such addresses; it goes
// when every address is announced again.
func TestUnannouncedMetric(t *testing.T) {
	v4, v6 := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("2001:db8::1")
	announced := func(a netip.Addr) decision.Announcement {
		return decision.Announcement{Service: "ns/a", Addr: a, Mode: decision.ModeL2, Nodes: []string{"n1"}}
	}
	silent := func(a netip.Addr) decision.Announcement {
		return decision.Announcement{Service: "ns/a", Addr: a, Reason: "no L2Advertisement selects pool p"}
	}
	const header = `
# HELP farol_speaker_unannounced_addresses Addresses of a Service that no node announces, as this speaker decides it (the NotAnnounced event says why).
# TYPE farol_speaker_unannounced_addresses gauge
`
	for name, tc := range map[string]struct {
		steps [][]decision.Announcement
		want  string
	}{
		"all announced":       {steps: [][]decision.Announcement{{announced(v4), announced(v6)}}},
		"one of two silent":   {steps: [][]decision.Announcement{{announced(v4), silent(v6)}}, want: `farol_speaker_unannounced_addresses{namespace="ns",service="a"} 1`},
		"both silent":         {steps: [][]decision.Announcement{{silent(v4), silent(v6)}}, want: `farol_speaker_unannounced_addresses{namespace="ns",service="a"} 2`},
		"announced after all": {steps: [][]decision.Announcement{{silent(v4)}, {announced(v4)}}},
	} {
		t.Run(name, func(t *testing.T) {
			m, err := newSpeakerMetrics(prometheus.NewRegistry())
			if err != nil {
				t.Fatal(err)
			}
			r := &serviceReconciler{worlds: &worlds{}, metrics: m, reported: map[string]string{}}
			svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "a"}}
			for _, anns := range tc.steps {
				r.reportUnannounced(svc, anns)
			}
			want := ""
			if tc.want != "" {
				want = header + tc.want + "\n"
			}
			if err := testutil.CollectAndCompare(m.unannounced, strings.NewReader(want), "farol_speaker_unannounced_addresses"); err != nil {
				t.Error(err)
			}
		})
	}
}
