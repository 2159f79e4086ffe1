package integration

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
	"github.com/farol-lb/farol/internal/app/controller"
	"github.com/farol-lb/farol/internal/certs"
	"github.com/farol-lb/farol/test/cluster"
)

// TestWebhook: the real API server calls the controller's webhook, which
// refuses a pool overlapping another with the field named and warns about
// an advertisement naming a missing pool. The controller issues its own
// certificate into a Secret and the CA into the configuration, renews a
// certificate about to expire, and writes nothing while nothing changes.
// With the controller stopped the apply goes through (failurePolicy
// Ignore), and the pool's Overlap condition appears once it starts.
func TestWebhook(t *testing.T) {
	e := newOwnEnv(t)
	port := freePort(t)
	// The shipped install, the webhook reached by URL (no kube-proxy
	// here), and the controller with its ServiceAccount's permissions.
	if err := e.cl.InstallFarol(e.ctx, repoRoot(), cluster.InstallOptions{WebhookURL: fmt.Sprintf("https://127.0.0.1:%d", port)}); err != nil {
		t.Fatal(err)
	}
	identity, err := e.cl.As(e.ctx, "farol-system", "farol-controller", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	webhookOn := func(o *controller.Options) {
		o.Config = identity
		o.Namespace = "farol-system"
		o.Webhook.Port = port
		o.Webhook.Hosts = []string{"127.0.0.1"}
		o.Webhook.RenewCheck = 200 * time.Millisecond
		o.MemberlistSecret = "farol-memberlist"
	}
	a := pool("wh-a-"+e.ns, "10.77.0.0/24")
	waitCreated(t, e, a)
	stop, _ := e.startController(webhookOn)
	ca := waitCABundle(t, e, nil)

	// The gossip key: made once, 32 random bytes.
	var gossip corev1.Secret
	e.eventually("memberlist Secret", 20*time.Second, func() string {
		if err := e.c.Get(e.ctx, types.NamespacedName{Namespace: "farol-system", Name: "farol-memberlist"}, &gossip); err != nil {
			return err.Error()
		}
		return ""
	})
	if n := len(gossip.Data["key"]); n != 32 {
		t.Fatalf("gossip key of %d bytes", n)
	}

	overlapping := pool("wh-b-"+e.ns, "10.77.1.0/24", "10.77.0.128/25")
	err = e.c.Create(e.ctx, overlapping)
	if err == nil {
		t.Fatal("a pool overlapping another was admitted")
	}
	for _, want := range []string{`admission webhook`, `spec.addresses[1]`, `"10.77.0.128/25"`, `overlaps 10.77.0.0/24 of AddressPool "` + a.Name + `"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("refusal %q does not say %q", err, want)
		}
	}

	// A warning, not a refusal, for a pool that does not exist yet.
	warned := newWarnings()
	wc := warningClient(t, e, warned)
	ad := &farolv1.L2Advertisement{ObjectMeta: metav1.ObjectMeta{Name: "wh-" + e.ns}, Spec: farolv1.L2AdvertisementSpec{Pools: []string{a.Name, "no-such-pool"}}}
	if err := wc.Create(e.ctx, ad); err != nil {
		t.Fatalf("advertisement refused: %v", err)
	}
	t.Cleanup(func() { _ = e.c.Delete(context.Background(), ad) })
	if w := warned.all(); !strings.Contains(w, `spec.pools[1]: AddressPool "no-such-pool" does not exist`) {
		t.Errorf("warnings %q", w)
	}

	// BGP: LOCAL_PREF towards an eBGP peer is refused, naming the field.
	peer := &farolv1.BGPPeer{ObjectMeta: metav1.ObjectMeta{Name: "wh-tor-" + e.ns},
		Spec: farolv1.BGPPeerSpec{PeerAddress: "10.77.0.1", PeerASN: 64512, MyASN: 64513}}
	if err := e.c.Create(e.ctx, peer); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.c.Delete(context.Background(), peer) })
	lp := uint32(200)
	pref := &farolv1.BGPAdvertisement{ObjectMeta: metav1.ObjectMeta{Name: "wh-pref-" + e.ns},
		Spec: farolv1.BGPAdvertisementSpec{LocalPref: &lp, Peers: []string{peer.Name}}}
	if err := e.c.Create(e.ctx, pref); err == nil || !strings.Contains(err.Error(), "spec.localPref") {
		t.Errorf("LOCAL_PREF to an eBGP peer: %v", err)
	}

	// Idle: no write to the Secret or the configuration.
	secretRV, configRV := resourceVersions(t, e)
	time.Sleep(2 * time.Second)
	if s, c := resourceVersions(t, e); s != secretRV || c != configRV {
		t.Errorf("written while idle: Secret %s -> %s, configuration %s -> %s", secretRV, s, configRV, c)
	}

	// Renewal: a certificate with less than a third of its life left is
	// replaced, the new CA injected, and admission keeps working.
	short, err := certs.New(certs.Options{Hosts: certs.Hosts("farol-webhook", "farol-system", "127.0.0.1"), Validity: 3 * time.Hour,
		Now: func() time.Time { return time.Now().Add(-2*time.Hour - time.Minute) }})
	if err != nil {
		t.Fatal(err)
	}
	setSecret(t, e, short)
	waitCABundle(t, e, [][]byte{ca, short.CA})
	if err := e.c.Create(e.ctx, pool("wh-c-"+e.ns, "10.77.0.7-10.77.0.9")); err == nil || !strings.Contains(err.Error(), "overlaps") {
		t.Fatalf("after renewal an overlapping pool got %v", err)
	}

	// Controller down: the apply goes through, then the condition says why.
	stop()
	late := pool("wh-d-"+e.ns, "10.77.0.64/26")
	if err := e.c.Create(e.ctx, late); err != nil {
		t.Fatalf("with the webhook down the apply failed: %v", err)
	}
	t.Cleanup(func() { _ = e.c.Delete(context.Background(), late) })
	e.startController(webhookOn)
	e.eventually("Overlap condition on "+late.Name, 20*time.Second, func() string {
		var got farolv1.AddressPool
		if err := e.c.Get(e.ctx, types.NamespacedName{Name: late.Name}, &got); err != nil {
			return err.Error()
		}
		c := meta.FindStatusCondition(got.Status.Conditions, farolv1.ConditionReady)
		if c == nil || c.Reason != farolv1.ReasonOverlap {
			return fmt.Sprintf("condition %+v", c)
		}
		return ""
	})
}

func pool(name string, addrs ...string) *farolv1.AddressPool {
	p := &farolv1.AddressPool{ObjectMeta: metav1.ObjectMeta{Name: name}}
	for _, a := range addrs {
		p.Spec.Addresses = append(p.Spec.Addresses, farolv1.AddressRange(a))
	}
	return p
}

// waitCreated creates p and deletes it when the test ends.
func waitCreated(t *testing.T, e *env, p *farolv1.AddressPool) {
	t.Helper()
	if err := e.c.Create(e.ctx, p); err != nil {
		t.Fatalf("create %s: %v", p.Name, err)
	}
	t.Cleanup(func() { _ = e.c.Delete(context.Background(), p) })
}

// waitCABundle waits until every webhook carries one CA, not any of
// before, and the webhook answers with a certificate it signed.
func waitCABundle(t *testing.T, e *env, before [][]byte) []byte {
	t.Helper()
	var ca []byte
	e.eventually("caBundle injected", 30*time.Second, func() string {
		var cfg admissionregistrationv1.ValidatingWebhookConfiguration
		if err := e.c.Get(e.ctx, types.NamespacedName{Name: "farol-validating"}, &cfg); err != nil {
			return err.Error()
		}
		ca = cfg.Webhooks[0].ClientConfig.CABundle
		for _, w := range cfg.Webhooks {
			if len(w.ClientConfig.CABundle) == 0 || !bytes.Equal(w.ClientConfig.CABundle, ca) {
				return "caBundle missing or not the same in every webhook"
			}
		}
		for _, b := range before {
			if bytes.Equal(b, ca) {
				return "caBundle not renewed yet"
			}
		}
		var s corev1.Secret
		if err := e.c.Get(e.ctx, types.NamespacedName{Namespace: "farol-system", Name: "farol-webhook-cert"}, &s); err != nil {
			return err.Error()
		}
		if !bytes.Equal(s.Data["ca.crt"], ca) {
			return "the Secret's CA is not the injected one"
		}
		return ""
	})
	// The server may still hold the previous certificate for a moment:
	// wait until an admission call is answered (a refusal proves it).
	e.eventually("webhook answering", 30*time.Second, func() string {
		probe := pool("wh-probe-"+e.ns, "10.77.0.1/32")
		err := e.c.Create(e.ctx, probe)
		if err == nil {
			_ = e.c.Delete(e.ctx, probe)
			return "not refused yet"
		}
		return ""
	})
	return ca
}

func setSecret(t *testing.T, e *env, p certs.Pair) {
	t.Helper()
	var s corev1.Secret
	if err := e.c.Get(e.ctx, types.NamespacedName{Namespace: "farol-system", Name: "farol-webhook-cert"}, &s); err != nil {
		t.Fatal(err)
	}
	s.Data = map[string][]byte{"ca.crt": p.CA, corev1.TLSCertKey: p.Cert, corev1.TLSPrivateKeyKey: p.Key}
	if err := e.c.Update(e.ctx, &s); err != nil {
		t.Fatal(err)
	}
}

func resourceVersions(t *testing.T, e *env) (secret, configuration string) {
	t.Helper()
	var s corev1.Secret
	if err := e.c.Get(e.ctx, types.NamespacedName{Namespace: "farol-system", Name: "farol-webhook-cert"}, &s); err != nil {
		t.Fatal(err)
	}
	var cfg admissionregistrationv1.ValidatingWebhookConfiguration
	if err := e.c.Get(e.ctx, types.NamespacedName{Name: "farol-validating"}, &cfg); err != nil {
		t.Fatal(err)
	}
	return s.ResourceVersion, cfg.ResourceVersion
}

// warnings collects what the API server sends back as warnings.
type warnings struct {
	mu  sync.Mutex
	got []string
}

func newWarnings() *warnings { return &warnings{} }

func (w *warnings) HandleWarningHeader(_ int, _ string, text string) {
	w.mu.Lock()
	w.got = append(w.got, text)
	w.mu.Unlock()
}

func (w *warnings) all() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Join(w.got, "\n")
}

func warningClient(t *testing.T, e *env, w rest.WarningHandler) client.Client {
	t.Helper()
	cfg := rest.CopyConfig(e.cl.Config)
	cfg.WarningHandler = w
	scheme, err := farolv1.Scheme()
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestWebhookExternalCert: with --webhook-cert-dir the controller serves
// the certificate it is given (as cert-manager would mount it) and issues
// and injects nothing of its own.
func TestWebhookExternalCert(t *testing.T) {
	e := newOwnEnv(t)
	port := freePort(t)
	if err := e.cl.InstallFarol(e.ctx, repoRoot(), cluster.InstallOptions{WebhookURL: fmt.Sprintf("https://127.0.0.1:%d", port)}); err != nil {
		t.Fatal(err)
	}
	pair, err := certs.New(certs.Options{Hosts: []string{"127.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for name, b := range map[string][]byte{"tls.crt": pair.Cert, "tls.key": pair.Key} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// What cert-manager's CA injector would do.
	var cfg admissionregistrationv1.ValidatingWebhookConfiguration
	if err := e.c.Get(e.ctx, types.NamespacedName{Name: "farol-validating"}, &cfg); err != nil {
		t.Fatal(err)
	}
	for i := range cfg.Webhooks {
		cfg.Webhooks[i].ClientConfig.CABundle = pair.CA
	}
	if err := e.c.Update(e.ctx, &cfg); err != nil {
		t.Fatal(err)
	}
	identity, err := e.cl.As(e.ctx, "farol-system", "farol-controller", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	e.startController(func(o *controller.Options) {
		o.Config, o.Namespace = identity, "farol-system"
		o.Webhook.Port, o.Webhook.CertDir = port, dir
	})
	waitCreated(t, e, pool("ext-a-"+e.ns, "10.78.0.0/24"))
	e.eventually("overlap refused", 30*time.Second, func() string {
		probe := pool("ext-b-"+e.ns, "10.78.0.9/32")
		err := e.c.Create(e.ctx, probe)
		if err == nil {
			_ = e.c.Delete(e.ctx, probe)
			return "admitted"
		}
		if !strings.Contains(err.Error(), "overlaps 10.78.0.0/24") {
			return err.Error()
		}
		return ""
	})
	var s corev1.Secret
	if err := e.c.Get(e.ctx, types.NamespacedName{Namespace: "farol-system", Name: "farol-webhook-cert"}, &s); err == nil {
		t.Error("the controller issued a certificate although one was mounted")
	}
	if err := e.c.Get(e.ctx, types.NamespacedName{Name: "farol-validating"}, &cfg); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(cfg.Webhooks[0].ClientConfig.CABundle, pair.CA) {
		t.Error("the controller replaced the injected caBundle")
	}
}
