package config

import (
	"fmt"
	"net/netip"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
	"github.com/farol-lb/farol/internal/decision"
)

// Defaults of the BGP objects' optional fields, applied here rather than
// in the CRD so that keepaliveTime can follow holdTime.
const (
	DefaultBGPPort        = 179
	DefaultHoldTime       = 90 * time.Second // RFC 4271 10
	DefaultConnectTime    = 120 * time.Second
	DefaultPasswordKey    = "password"
	DefaultBFDInterval    = 300 * time.Millisecond
	DefaultBFDMultiplier  = 3
	DefaultAggregationV4  = 32
	DefaultAggregationV6  = 128
	minHoldTime           = 3 * time.Second
	maxBGPTimer           = 65535 * time.Second
	minBFDInterval        = 10 * time.Millisecond
	maxBFDInterval        = time.Minute
	defaultKeepaliveRatio = 3 // keepalive = hold / 3, RFC 4271 10
)

// BGPPeer translates a peer, applying defaults. It repeats the CRD's rules
// (an object can reach Farol without them: an older CRD, a restore) and
// checks what the API server cannot, the node selector; errors name the
// field. The password is left for the speaker to read.
func BGPPeer(p *farolv1.BGPPeer) (decision.BGPPeer, field.ErrorList) {
	spec := field.NewPath("spec")
	s := &p.Spec
	out := decision.BGPPeer{Name: p.Name, ASN: s.PeerASN, MyASN: s.MyASN, Port: DefaultBGPPort, GracefulRestart: s.GracefulRestart}
	var errs field.ErrorList
	var err *field.Error
	out.Address, err = addr(s.PeerAddress, spec.Child("peerAddress"))
	errs = appendErr(errs, err)
	if s.SourceAddress != "" {
		out.Source, err = addr(s.SourceAddress, spec.Child("sourceAddress"))
		errs = appendErr(errs, err)
		if err == nil && out.Address.IsValid() && out.Source.Is4() != out.Address.Is4() {
			errs = append(errs, field.Invalid(spec.Child("sourceAddress"), s.SourceAddress, "must be of the same address family as peerAddress"))
		}
	}
	if s.RouterID != "" {
		out.RouterID, err = addr(s.RouterID, spec.Child("routerID"))
		errs = appendErr(errs, err)
		if err == nil && !out.RouterID.Is4() {
			errs = append(errs, field.Invalid(spec.Child("routerID"), s.RouterID, "must be an IPv4 address"))
		}
	}
	if s.PeerASN == 0 {
		errs = append(errs, field.Invalid(spec.Child("peerASN"), s.PeerASN, "must be between 1 and 4294967295"))
	}
	if s.MyASN == 0 {
		errs = append(errs, field.Invalid(spec.Child("myASN"), s.MyASN, "must be between 1 and 4294967295"))
	}
	if s.PeerPort != nil {
		if *s.PeerPort < 1 || *s.PeerPort > 65535 {
			errs = append(errs, field.Invalid(spec.Child("peerPort"), *s.PeerPort, "must be between 1 and 65535"))
		} else {
			out.Port = uint16(*s.PeerPort)
		}
	}
	errs = append(errs, peerTimers(s, spec, &out)...)
	if s.EBGPMultiHop != nil {
		switch ttl := *s.EBGPMultiHop; {
		case ttl < 1 || ttl > 255:
			errs = append(errs, field.Invalid(spec.Child("ebgpMultiHop"), ttl, "must be between 1 and 255"))
		case s.PeerASN == s.MyASN:
			errs = append(errs, field.Invalid(spec.Child("ebgpMultiHop"), ttl, "applies to eBGP sessions only (peerASN different from myASN)"))
		default:
			out.MultiHop = uint8(ttl)
		}
	}
	if r := s.PasswordSecretRef; r != nil {
		out.PasswordSecret = decision.SecretKey{Name: r.Name, Key: r.Key}
		if r.Key == "" {
			out.PasswordSecret.Key = DefaultPasswordKey
		}
		if r.Name == "" {
			errs = append(errs, field.Required(spec.Child("passwordSecretRef", "name"), "the Secret in farol-system that holds the password"))
		}
	}
	if s.BFD != nil {
		var bfdErrs field.ErrorList
		out.BFD, bfdErrs = bfd(s.BFD, spec.Child("bfd"))
		errs = append(errs, bfdErrs...)
	}
	sel, err := selector(s.NodeSelector, spec.Child("nodeSelector"))
	errs = appendErr(errs, err)
	if sel != nil {
		out.Node = sel.Matches
	}
	if len(errs) > 0 {
		return decision.BGPPeer{Name: p.Name}, errs
	}
	return out, nil
}

// peerTimers applies the timer defaults and rules: hold 0 or 3s to
// 65535s, keepalive shorter than hold (0 when hold is 0), connect 1s to
// 65535s, all in whole seconds as BGP carries them.
func peerTimers(s *farolv1.BGPPeerSpec, spec *field.Path, out *decision.BGPPeer) field.ErrorList {
	var errs field.ErrorList
	out.Hold = durationOr(s.HoldTime, DefaultHoldTime)
	// The default keepalive is a third of hold in whole seconds, as BGP
	// carries it (hold 10s gives 3s).
	out.Keepalive = durationOr(s.KeepaliveTime, (out.Hold / defaultKeepaliveRatio).Truncate(time.Second))
	out.Connect = durationOr(s.ConnectTime, DefaultConnectTime)
	timers := []struct {
		name     string
		d        time.Duration
		min, max time.Duration
	}{
		{"holdTime", out.Hold, 0, maxBGPTimer},
		{"keepaliveTime", out.Keepalive, 0, maxBGPTimer},
		{"connectTime", out.Connect, time.Second, maxBGPTimer},
	}
	for _, t := range timers {
		switch {
		case t.d < t.min || t.d > t.max:
			errs = append(errs, field.Invalid(spec.Child(t.name), t.d.String(), fmt.Sprintf("must be between %s and %s", t.min, t.max)))
		case t.d%time.Second != 0:
			errs = append(errs, field.Invalid(spec.Child(t.name), t.d.String(), "must be a whole number of seconds"))
		}
	}
	switch {
	case out.Hold != 0 && out.Hold < minHoldTime:
		errs = append(errs, field.Invalid(spec.Child("holdTime"), out.Hold.String(), "must be 0 or at least 3s (RFC 4271)"))
	case out.Hold == 0 && out.Keepalive != 0:
		errs = append(errs, field.Invalid(spec.Child("keepaliveTime"), out.Keepalive.String(), "must be 0 when holdTime is 0 (no keepalives are sent)"))
	case out.Hold != 0 && out.Keepalive >= out.Hold:
		errs = append(errs, field.Invalid(spec.Child("keepaliveTime"), out.Keepalive.String(), fmt.Sprintf("must be shorter than holdTime (%s)", out.Hold)))
	}
	return errs
}

func bfd(b *farolv1.BFD, path *field.Path) (*decision.BFD, field.ErrorList) {
	out := &decision.BFD{
		MinRx:      durationOr(b.MinRx, DefaultBFDInterval),
		MinTx:      durationOr(b.MinTx, DefaultBFDInterval),
		Multiplier: DefaultBFDMultiplier,
	}
	var errs field.ErrorList
	for _, t := range []struct {
		name string
		d    time.Duration
	}{{"minRx", out.MinRx}, {"minTx", out.MinTx}} {
		if t.d < minBFDInterval || t.d > maxBFDInterval {
			errs = append(errs, field.Invalid(path.Child(t.name), t.d.String(), "must be between 10ms and 60s"))
		}
	}
	if m := b.Multiplier; m != nil {
		if *m < 2 || *m > 255 {
			errs = append(errs, field.Invalid(path.Child("multiplier"), *m, "must be between 2 and 255"))
		} else {
			out.Multiplier = uint8(*m)
		}
	}
	return out, errs
}

// BGPAdvertisement resolves an advertisement's selectors against the pools
// and parses its communities, applying the aggregation defaults. Errors
// name the field; the advertisement then advertises nothing. Rules that
// need the peers are CheckBGPAdvertisement's.
func BGPAdvertisement(ad *farolv1.BGPAdvertisement, pools []farolv1.AddressPool) (decision.BGPAdvertisement, field.ErrorList) {
	spec := field.NewPath("spec")
	s := &ad.Spec
	out := decision.BGPAdvertisement{Name: ad.Name, Peers: s.Peers, LocalPref: s.LocalPref,
		AggregationV4: DefaultAggregationV4, AggregationV6: DefaultAggregationV6}
	var errs field.ErrorList
	pool, err := poolPredicate(s.Pools, s.PoolSelector, pools, spec.Child("poolSelector"))
	errs = appendErr(errs, err)
	out.Pool = pool
	nodeSel, err := selector(s.NodeSelector, spec.Child("nodeSelector"))
	errs = appendErr(errs, err)
	if nodeSel != nil {
		out.Node = nodeSel.Matches
	}
	for _, a := range []struct {
		name string
		v    *int32
		max  int
		dst  *int
	}{{"aggregationLength", s.AggregationLength, 32, &out.AggregationV4}, {"aggregationLengthV6", s.AggregationLengthV6, 128, &out.AggregationV6}} {
		switch {
		case a.v == nil:
		case *a.v < 0 || int(*a.v) > a.max:
			errs = append(errs, field.Invalid(spec.Child(a.name), *a.v, fmt.Sprintf("must be between 0 and %d", a.max)))
		default:
			*a.dst = int(*a.v)
		}
	}
	for i, c := range s.Communities {
		parsed, err := decision.ParseCommunity(string(c))
		if err != nil {
			errs = append(errs, field.Invalid(spec.Child("communities").Index(i), string(c), err.Error()))
			continue
		}
		out.Communities = append(out.Communities, parsed)
	}
	if len(errs) > 0 {
		return decision.BGPAdvertisement{Name: ad.Name}, errs
	}
	return out, nil
}

func addr(s string, path *field.Path) (netip.Addr, *field.Error) {
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" || a.Is4In6() {
		return netip.Addr{}, field.Invalid(path, s, "must be an IPv4 or IPv6 address")
	}
	return a, nil
}

func durationOr(d *metav1.Duration, def time.Duration) time.Duration {
	if d == nil {
		return def
	}
	return d.Duration
}

func appendErr(errs field.ErrorList, err *field.Error) field.ErrorList {
	if err != nil {
		return append(errs, err)
	}
	return errs
}

// BGPPasswordsSecret is the Secret, in Farol's namespace, into which the
// controller copies each BGPPeer's password (keyed by peer name) and
// from which the speakers read them: the one Secret besides the gossip
// key a speaker may read.
const BGPPasswordsSecret = "farol-bgp-passwords"
