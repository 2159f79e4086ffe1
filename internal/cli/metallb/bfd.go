package metallb

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
)

// bfd finds the BFDProfile a peer names, preferring the peer's namespace,
// and converts it; the profile's notes are made once, on the profile.
func (im *importer) bfd(peer source, name string, used map[string]bool) (*farolv1.BFD, bool) {
	var found *item[bfdProfile]
	for i := range im.bfds {
		b := &im.bfds[i]
		if b.obj.Metadata.Name == name && (found == nil || b.src.namespace == peer.namespace) {
			found = b
		}
	}
	if found == nil {
		return nil, false
	}
	key := found.src.namespace + "/" + name
	first := !used[key]
	used[key] = true
	s := found.obj.Spec
	out := &farolv1.BFD{MinRx: millis(s.ReceiveInterval), MinTx: millis(s.TransmitInterval)}
	if m := s.DetectMultiplier; m != nil {
		v := int32(min(*m, 1<<31-1))
		out.Multiplier = &v
	}
	if first {
		for _, f := range []struct {
			field string
			set   bool
			why   string
		}{
			{"spec.echoMode", s.EchoMode != nil && *s.EchoMode, "echo mode is not supported; Farol runs asynchronous BFD"},
			{"spec.echoInterval", s.EchoInterval != nil, "echo mode is not supported"},
			{"spec.passiveMode", s.PassiveMode != nil && *s.PassiveMode, "passive mode is not supported; Farol's speaker always starts the session"},
			{"spec.minimumTtl", s.MinimumTTL != nil, "Farol's BFD is single hop (TTL 255); not converted"},
		} {
			if f.set {
				im.note(found.src, f.field, "%s", f.why)
			}
		}
	}
	return out, true
}

// millis converts MetalLB's milliseconds into a duration.
func millis(ms *uint32) *metav1.Duration {
	if ms == nil {
		return nil
	}
	return &metav1.Duration{Duration: time.Duration(*ms) * time.Millisecond}
}
