package v1alpha1

import (
	"slices"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Normalized returns s as it reads back from the API server, with the
// counts filled in: sessions sorted by peer, times at the second (a
// metav1.Time is serialised to the second). A speaker writes the
// normalised value, so a status read back compares equal to the one it
// wrote.
func (s BGPNodeStatusStatus) Normalized() BGPNodeStatusStatus {
	out := BGPNodeStatusStatus{Sessions: make([]BGPSessionStatus, len(s.Sessions))}
	for i, p := range s.Sessions {
		if p.Since != nil {
			p.Since = &metav1.Time{Time: p.Since.Truncate(time.Second)}
		}
		out.Sessions[i] = p
		if p.State == BGPSessionEstablished {
			out.Established++
		}
	}
	out.Total = int32(len(s.Sessions))
	slices.SortFunc(out.Sessions, func(a, b BGPSessionStatus) int { return strings.Compare(a.Peer, b.Peer) })
	if len(out.Sessions) == 0 {
		out.Sessions = nil
	}
	return out
}

// Differs reports whether writing s over old would change what a reader
// sees, so the speaker writes only on change. Both are compared
// normalised: order, sub-second times and stale counts do not count.
func (s BGPNodeStatusStatus) Differs(old BGPNodeStatusStatus) bool {
	a, b := s.Normalized(), old.Normalized()
	return a.Established != b.Established || a.Total != b.Total ||
		!slices.EqualFunc(a.Sessions, b.Sessions, sameSession)
}

func sameSession(a, b BGPSessionStatus) bool {
	return a.Peer == b.Peer && a.Address == b.Address && a.State == b.State &&
		a.PrefixesSent == b.PrefixesSent && a.BFD == b.BFD && a.LastError == b.LastError &&
		(a.Since == nil) == (b.Since == nil) && (a.Since == nil || a.Since.Equal(b.Since))
}
