package integration

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/retry"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
	"github.com/farol-lb/farol/internal/app/controller"
	"github.com/farol-lb/farol/internal/reconciler"
	"github.com/farol-lb/farol/test/cluster"
)

// TestBGPPasswordsCopied: the controller, as its ServiceAccount, copies
// each BGPPeer's password from the Secret it names into the one Secret
// speakers may read, and follows a changed password and a deleted peer.
// (That it sends no update when nothing changed is not observable here:
// the API server drops a no-op update without a new resourceVersion.)
func TestBGPPasswordsCopied(t *testing.T) {
	e := newOwnEnv(t)
	if err := e.cl.InstallFarol(e.ctx, repoRoot(), cluster.InstallOptions{}); err != nil {
		t.Fatal(err)
	}
	identity, err := e.cl.As(e.ctx, "farol-system", "farol-controller", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	e.startController(func(o *controller.Options) { o.Config, o.Namespace = identity, "farol-system" })

	user := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "farol-system", Name: "tor-md5"},
		Data: map[string][]byte{"password": []byte("s3cret")}}
	if err := e.c.Create(e.ctx, user); err != nil {
		t.Fatal(err)
	}
	peer := func(name string) *farolv1.BGPPeer {
		return &farolv1.BGPPeer{ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: farolv1.BGPPeerSpec{PeerAddress: "10.77.0.1", PeerASN: 64512, MyASN: 64513,
				PasswordSecretRef: &farolv1.SecretKeyRef{Name: user.Name}}}
	}
	a, b := peer("tor-a"), peer("tor-b")
	for _, p := range []*farolv1.BGPPeer{a, b} {
		if err := e.c.Create(e.ctx, p); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = e.c.Delete(context.Background(), p) })
	}
	var copied corev1.Secret
	wait := func(what string, want map[string]string) {
		t.Helper()
		e.eventually(what, 20*time.Second, func() string {
			if err := e.c.Get(e.ctx, types.NamespacedName{Namespace: "farol-system", Name: reconciler.BGPPasswordsSecret}, &copied); err != nil {
				return err.Error()
			}
			if len(copied.Data) != len(want) {
				return fmt.Sprintf("%d passwords, want %d", len(copied.Data), len(want))
			}
			for k, v := range want {
				if !bytes.Equal(copied.Data[k], []byte(v)) {
					return fmt.Sprintf("%s: %q, want %q", k, copied.Data[k], v)
				}
			}
			return ""
		})
	}
	wait("both passwords copied", map[string]string{"tor-a": "s3cret", "tor-b": "s3cret"})

	if err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if err := e.c.Get(e.ctx, types.NamespacedName{Namespace: "farol-system", Name: user.Name}, user); err != nil {
			return err
		}
		user.Data["password"] = []byte("n3w")
		return e.c.Update(e.ctx, user)
	}); err != nil {
		t.Fatal(err)
	}
	wait("changed password copied", map[string]string{"tor-a": "n3w", "tor-b": "n3w"})
	if err := e.c.Delete(e.ctx, b); err != nil {
		t.Fatal(err)
	}
	wait("deleted peer's password gone", map[string]string{"tor-a": "n3w"})
}
