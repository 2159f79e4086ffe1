package integration

import (
	"context"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
)

// TestBGPReady: the controller writes Ready on BGPPeers and
// BGPAdvertisements. An advertisement sending LOCAL_PREF to an eBGP peer
// (which the API server lets through: the rule spans two objects) is
// Ready=False naming spec.localPref and the peer; once the peer becomes
// iBGP, the peer's change alone makes it Ready=True.
func TestBGPReady(t *testing.T) {
	e := newEnv(t)
	e.startController()
	peer := &farolv1.BGPPeer{ObjectMeta: metav1.ObjectMeta{Name: "tor-" + e.ns},
		Spec: farolv1.BGPPeerSpec{PeerAddress: "10.77.0.1", PeerASN: 64512, MyASN: 64513}}
	lp := uint32(200)
	ad := &farolv1.BGPAdvertisement{ObjectMeta: metav1.ObjectMeta{Name: "pref-" + e.ns},
		Spec: farolv1.BGPAdvertisementSpec{LocalPref: &lp, Peers: []string{peer.Name}}}
	for _, o := range []client.Object{peer, ad} {
		if err := e.c.Create(e.ctx, o); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = e.c.Delete(context.Background(), o) })
	}
	ready := func(o client.Object, conds func() []metav1.Condition, status metav1.ConditionStatus, fragments ...string) {
		t.Helper()
		e.eventually(o.GetName()+" Ready="+string(status), 20*time.Second, func() string {
			if err := e.c.Get(e.ctx, types.NamespacedName{Name: o.GetName()}, o); err != nil {
				return err.Error()
			}
			c := meta.FindStatusCondition(conds(), farolv1.ConditionReady)
			if c == nil {
				return "no Ready condition"
			}
			if c.Status != status || !containsAll(c.Message, fragments) {
				return string(c.Status) + ": " + c.Message
			}
			return ""
		})
	}
	ready(peer, func() []metav1.Condition { return peer.Status.Conditions }, metav1.ConditionTrue)
	ready(ad, func() []metav1.Condition { return ad.Status.Conditions }, metav1.ConditionFalse, "spec.localPref", peer.Name, "eBGP")

	if err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if err := e.c.Get(e.ctx, types.NamespacedName{Name: peer.Name}, peer); err != nil {
			return err
		}
		peer.Spec.MyASN = peer.Spec.PeerASN
		return e.c.Update(e.ctx, peer)
	}); err != nil {
		t.Fatal(err)
	}
	ready(ad, func() []metav1.Condition { return ad.Status.Conditions }, metav1.ConditionTrue)
}
