package v1alpha1

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestBGPNodeStatusDiffers(t *testing.T) {
	t0 := time.Date(2026, 11, 30, 3, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *metav1.Time { return &metav1.Time{Time: t0.Add(d)} }
	up := BGPSessionStatus{Peer: "tor1", Address: "192.0.2.1", State: BGPSessionEstablished, Since: at(0), PrefixesSent: 3, BFD: BFDUp}
	down := BGPSessionStatus{Peer: "tor2", Address: "192.0.2.2", State: BGPSessionActive, Since: at(time.Second), LastError: "connection refused"}
	old := BGPNodeStatusStatus{Established: 1, Total: 2, Sessions: []BGPSessionStatus{up, down}}
	with := func(f func(*BGPSessionStatus)) BGPNodeStatusStatus {
		s := up
		f(&s)
		return BGPNodeStatusStatus{Sessions: []BGPSessionStatus{s, down}}
	}
	tests := map[string]struct {
		updated BGPNodeStatusStatus
		differs bool
	}{
		"same":                         {old, false},
		"other order, no counts":       {BGPNodeStatusStatus{Sessions: []BGPSessionStatus{down, up}}, false},
		"since within the same second": {with(func(s *BGPSessionStatus) { s.Since = at(900 * time.Millisecond) }), false},
		"since a second later":         {with(func(s *BGPSessionStatus) { s.Since = at(time.Second) }), true},
		"since gone":                   {with(func(s *BGPSessionStatus) { s.Since = nil }), true},
		"state":                        {with(func(s *BGPSessionStatus) { s.State = BGPSessionIdle }), true},
		"prefixes":                     {with(func(s *BGPSessionStatus) { s.PrefixesSent = 4 }), true},
		"BFD":                          {with(func(s *BGPSessionStatus) { s.BFD = BFDDown }), true},
		"error":                        {with(func(s *BGPSessionStatus) { s.LastError = "hold timer expired" }), true},
		"address":                      {with(func(s *BGPSessionStatus) { s.Address = "192.0.2.9" }), true},
		"peer renamed":                 {with(func(s *BGPSessionStatus) { s.Peer = "tor0" }), true},
		"a session fewer":              {BGPNodeStatusStatus{Sessions: []BGPSessionStatus{up}}, true},
		"no sessions":                  {BGPNodeStatusStatus{Sessions: []BGPSessionStatus{}}, true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := tc.updated.Differs(old); got != tc.differs {
				t.Fatalf("Differs = %v, want %v", got, tc.differs)
			}
		})
	}
	if (BGPNodeStatusStatus{Sessions: []BGPSessionStatus{}}).Differs(BGPNodeStatusStatus{}) {
		t.Fatal("an empty list differs from none")
	}
}

func TestBGPNodeStatusNormalized(t *testing.T) {
	since := metav1.NewTime(time.Date(2026, 11, 30, 3, 0, 0, 500, time.UTC))
	in := BGPNodeStatusStatus{Established: 7, Sessions: []BGPSessionStatus{
		{Peer: "b", State: BGPSessionEstablished, Since: &since},
		{Peer: "a", State: BGPSessionConnect},
		{Peer: "c", State: BGPSessionEstablished},
	}}
	got := in.Normalized()
	if got.Established != 2 || got.Total != 3 || got.Sessions[0].Peer != "a" || got.Sessions[2].Peer != "c" ||
		got.Sessions[1].Since.Nanosecond() != 0 {
		t.Fatalf("Normalized = %+v", got)
	}
	if in.Sessions[0].Peer != "b" || in.Sessions[0].Since.Nanosecond() != 500 {
		t.Fatal("Normalized changed its receiver")
	}
}
