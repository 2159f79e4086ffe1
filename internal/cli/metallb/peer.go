package metallb

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
)

// Namespace is where Farol's speakers read BGP password Secrets.
const Namespace = "farol-system"

// convertPeer writes one BGPPeer and, for a password, its Secret in
// farol-system. bfdUsed records the BFDProfiles referenced.
func (im *importer) convertPeer(p item[bgpPeer], bfdUsed map[string]bool) {
	s, src := p.obj.Spec, p.src
	switch {
	case s.PeerASN == 0:
		im.note(src, "spec.dynamicASN", "Farol needs the peer's ASN (peerASN); dynamic ASNs are not supported, so this peer is not imported")
		return
	case s.PeerAddress == "":
		im.note(src, "spec.interface", "Farol needs the peer's address; unnumbered BGP over an interface is not supported, so this peer is not imported")
		return
	}
	out := &farolv1.BGPPeer{
		TypeMeta:   metav1.TypeMeta{APIVersion: farolv1.GroupVersion.String(), Kind: "BGPPeer"},
		ObjectMeta: metav1.ObjectMeta{Name: p.obj.Metadata.Name, Labels: p.obj.Metadata.Labels},
		Spec: farolv1.BGPPeerSpec{PeerAddress: s.PeerAddress, PeerASN: s.PeerASN, MyASN: s.MyASN,
			SourceAddress: s.SourceAddress, RouterID: s.RouterID, GracefulRestart: s.EnableGracefulRestart},
	}
	o := &out.Spec
	if s.PeerPort != 0 {
		port := s.PeerPort
		o.PeerPort = &port
	}
	o.HoldTime = im.seconds(src, "spec.holdTime", s.HoldTime)
	o.KeepaliveTime = im.seconds(src, "spec.keepaliveTime", s.KeepaliveTime)
	o.ConnectTime = im.seconds(src, "spec.connectTime", s.ConnectTime)
	if s.EBGPMultiHop {
		if s.PeerASN == s.MyASN {
			im.note(src, "spec.ebgpMultiHop", "applies to eBGP sessions only and this one is iBGP; not converted")
		} else {
			ttl := int32(255)
			o.EBGPMultiHop = &ttl
		}
	}
	o.NodeSelector = im.selector(src, "spec.nodeSelectors", s.NodeSelectors)
	o.PasswordSecretRef = im.password(p)
	if s.BFDProfile != "" {
		var ok bool
		if o.BFD, ok = im.bfd(src, s.BFDProfile, bfdUsed); !ok {
			im.note(src, "spec.bfdProfile", "BFDProfile %q is not in the input; the peer is imported without BFD", s.BFDProfile)
		}
	}
	for _, f := range []struct {
		field string
		set   bool
	}{
		{"spec.localASN", s.LocalASN != 0},
		{"spec.vrf", s.VRF != ""},
		{"spec.disableMP", s.DisableMP},
		{"spec.dualStackAddressFamily", s.DualStackAddressFamily},
	} {
		if f.set {
			im.note(src, f.field, "not supported (Farol always uses one multiprotocol session per peer, in the default VRF, as myASN); not converted")
		}
	}
	im.emit(src, out.Kind, out.Name, out)
}

// seconds converts a timer; Farol carries whole seconds, as BGP does.
func (im *importer) seconds(src source, field string, d *metav1.Duration) *metav1.Duration {
	if d == nil {
		return nil
	}
	if t := d.Truncate(time.Second); t != d.Duration {
		im.note(src, field, "%s is not a whole number of seconds; written as %s", d.Duration, t)
		return &metav1.Duration{Duration: t}
	}
	return d
}

// password writes the peer's password Secret in farol-system: from the
// inline password, or as a copy of the Secret MetalLB read when it is in
// the input.
func (im *importer) password(p item[bgpPeer]) *farolv1.SecretKeyRef {
	s, src := p.obj.Spec, p.src
	switch {
	case s.Password != "":
		name := p.obj.Metadata.Name + "-password"
		if s.PasswordSecret.Name != "" {
			im.note(src, "spec.passwordSecret", "both password and passwordSecret are set; the inline password is used")
		}
		im.emit(src, "Secret", name, &corev1.Secret{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: Namespace},
			Type:       corev1.SecretTypeBasicAuth,
			StringData: map[string]string{"password": s.Password},
		})
		im.note(src, "spec.password", "written to Secret %s/%s (passwordSecretRef); the output holds the password in clear text", Namespace, name)
		return &farolv1.SecretKeyRef{Name: name}
	case s.PasswordSecret.Name != "":
		ns := s.PasswordSecret.Namespace
		if ns == "" {
			ns = src.namespace
		}
		sec, ok := im.secrets[ns+"/"+s.PasswordSecret.Name]
		if !ok {
			im.note(src, "spec.passwordSecret", "Secret %s/%s is not in the input: copy it to %s (the speaker reads Secrets there only)", ns, s.PasswordSecret.Name, Namespace)
			return &farolv1.SecretKeyRef{Name: s.PasswordSecret.Name}
		}
		im.emit(src, "Secret", sec.Name, &corev1.Secret{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
			ObjectMeta: metav1.ObjectMeta{Name: sec.Name, Namespace: Namespace},
			Type:       sec.Type,
			Data:       sec.Data,
			StringData: sec.StringData,
		})
		return &farolv1.SecretKeyRef{Name: sec.Name}
	}
	return nil
}
