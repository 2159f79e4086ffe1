package metrics

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestPending: one series per waiting Service, carrying the reason of its
// latest attempt only, gone once it stops waiting.
func TestPending(t *testing.T) {
	const header = `
# HELP farol_service_pending 1 for each Service of Farol's that waits for an address, with the reason of its last failed attempt; absent once it has one.
# TYPE farol_service_pending gauge
`
	for name, tc := range map[string]struct {
		do   func(m *Controller)
		want string
	}{
		"waiting": {
			do:   func(m *Controller) { m.SetPending("ns/a", "NoMatchingPool") },
			want: `farol_service_pending{namespace="ns",reason="NoMatchingPool",service="a"} 1`,
		},
		"new reason replaces the old": {
			do: func(m *Controller) {
				m.SetPending("ns/a", "NoMatchingPool")
				m.SetPending("ns/a", "PoolExhausted")
			},
			want: `farol_service_pending{namespace="ns",reason="PoolExhausted",service="a"} 1`,
		},
		"forgotten": {
			do: func(m *Controller) {
				m.SetPending("ns/a", "NoMatchingPool")
				m.SetPending("ns/b", "NoMatchingPool")
				m.ForgetPending("ns/a")
			},
			want: `farol_service_pending{namespace="ns",reason="NoMatchingPool",service="b"} 1`,
		},
		"same name in another namespace stays": {
			do: func(m *Controller) {
				m.SetPending("x/a", "PoolExhausted")
				m.SetPending("y/a", "PoolExhausted")
				m.ForgetPending("x/a")
			},
			want: `farol_service_pending{namespace="y",reason="PoolExhausted",service="a"} 1`,
		},
	} {
		t.Run(name, func(t *testing.T) {
			m, err := NewController(prometheus.NewRegistry())
			if err != nil {
				t.Fatal(err)
			}
			tc.do(m)
			if err := testutil.CollectAndCompare(m.Pending, strings.NewReader(header+tc.want+"\n"), "farol_service_pending"); err != nil {
				t.Error(err)
			}
		})
	}
}
