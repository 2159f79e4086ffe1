package controller

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"sync"
	"time"

	"github.com/go-logr/logr"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	"github.com/farol-lb/farol/internal/certs"
	farolwebhook "github.com/farol-lb/farol/internal/webhook"
)

// servingCert hands the webhook server the certificate the keeper loaded
// last; a handshake before the first load fails, and so does readiness.
type servingCert struct {
	mu   sync.RWMutex
	cert *tls.Certificate
}

func (s *servingCert) get(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.cert == nil {
		return nil, fmt.Errorf("no serving certificate loaded yet")
	}
	return s.cert, nil
}

func (s *servingCert) set(p certs.Pair) error {
	c, err := tls.X509KeyPair(p.Cert, p.Key)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.cert = &c
	s.mu.Unlock()
	return nil
}

// certKeeper makes the webhook's serving certificate, keeps it in a Secret
// in the controller's namespace, renews it well before it expires, and
// puts its CA into the webhook configuration's caBundle. Every replica
// runs one (each serves the webhook); writes carry the resourceVersion
// they read, so two replicas never both renew.
type certKeeper struct {
	reader        client.Reader // uncached: Secrets are not watched
	writer        client.Client
	namespace     string
	secret        string
	configuration string
	hosts         []string
	serving       *servingCert
	every         time.Duration
	now           func() time.Time
	log           logr.Logger

	loaded   []byte // the certificate serving now
	injected []byte // the CA last seen in every caBundle
}

// Start keeps the certificate until ctx ends.
func (k *certKeeper) Start(ctx context.Context) error {
	for {
		if err := k.sync(ctx); err != nil {
			k.log.Error(err, "webhook certificate", "secret", k.namespace+"/"+k.secret)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(k.every):
		}
	}
}

// NeedLeaderElection is false: standbys serve the webhook too.
func (k *certKeeper) NeedLeaderElection() bool { return false }

func (k *certKeeper) sync(ctx context.Context) error {
	pair, err := k.ensure(ctx)
	if err != nil {
		return err
	}
	if !bytes.Equal(pair.Cert, k.loaded) {
		if err := k.serving.set(pair); err != nil {
			return fmt.Errorf("load: %w", err)
		}
		k.loaded = pair.Cert
	}
	if !bytes.Equal(pair.CA, k.injected) {
		if err := k.inject(ctx, pair.CA); err != nil {
			return err
		}
		k.injected = pair.CA
	}
	return nil
}

// ensure returns a valid pair from the Secret, making or renewing it. A
// write that lost a race to another replica reads the winner's pair.
func (k *certKeeper) ensure(ctx context.Context) (certs.Pair, error) {
	for range 3 {
		pair, err := k.ensureOnce(ctx)
		if apierrors.IsConflict(err) || apierrors.IsAlreadyExists(err) {
			continue
		}
		return pair, err
	}
	return certs.Pair{}, fmt.Errorf("secret %s/%s keeps changing under us", k.namespace, k.secret)
}

func (k *certKeeper) ensureOnce(ctx context.Context) (certs.Pair, error) {
	var s corev1.Secret
	key := types.NamespacedName{Namespace: k.namespace, Name: k.secret}
	err := k.reader.Get(ctx, key, &s)
	if err != nil && !apierrors.IsNotFound(err) {
		return certs.Pair{}, err
	}
	found := err == nil
	have := certs.Pair{CA: s.Data["ca.crt"], Cert: s.Data[corev1.TLSCertKey], Key: s.Data[corev1.TLSPrivateKeyKey]}
	reason := certs.Renew(have, k.hosts, k.now())
	if reason == "" {
		return have, nil
	}
	pair, err := certs.New(certs.Options{Hosts: k.hosts, Now: k.now})
	if err != nil {
		return certs.Pair{}, err
	}
	s.Type = corev1.SecretTypeTLS
	s.Data = map[string][]byte{"ca.crt": pair.CA, corev1.TLSCertKey: pair.Cert, corev1.TLSPrivateKeyKey: pair.Key}
	if found {
		// Update, not patch: it fails on a resourceVersion another
		// replica has moved on from, and that replica's pair is kept.
		err = k.writer.Update(ctx, &s)
	} else {
		s.ObjectMeta = metav1.ObjectMeta{Namespace: k.namespace, Name: k.secret,
			Labels: map[string]string{"app.kubernetes.io/managed-by": "farol-controller"}}
		err = k.writer.Create(ctx, &s)
	}
	if err != nil {
		return certs.Pair{}, err
	}
	k.log.Info("webhook certificate issued", "secret", k.namespace+"/"+k.secret, "reason", reason, "hosts", k.hosts)
	return pair, nil
}

// inject writes ca into every webhook of the configuration whose bundle
// differs; nothing when all match.
func (k *certKeeper) inject(ctx context.Context, ca []byte) error {
	var cfg admissionregistrationv1.ValidatingWebhookConfiguration
	if err := k.reader.Get(ctx, types.NamespacedName{Name: k.configuration}, &cfg); err != nil {
		return fmt.Errorf("read ValidatingWebhookConfiguration %s: %w", k.configuration, err)
	}
	before := cfg.DeepCopy()
	changed := false
	for i := range cfg.Webhooks {
		if !bytes.Equal(cfg.Webhooks[i].ClientConfig.CABundle, ca) {
			cfg.Webhooks[i].ClientConfig.CABundle = ca
			changed = true
		}
	}
	if !changed {
		return nil
	}
	// A merge patch would replace the whole webhooks list; the
	// optimistic lock keeps an edit made in between.
	if err := k.writer.Patch(ctx, &cfg, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{})); err != nil {
		return fmt.Errorf("inject caBundle into %s: %w", k.configuration, err)
	}
	k.log.Info("webhook CA injected", "configuration", k.configuration, "webhooks", len(cfg.Webhooks))
	return nil
}

// WebhookOptions configure the admission webhook the controller serves.
type WebhookOptions struct {
	// Port serves the webhook over TLS; 0 turns it off.
	Port int
	// CertDir holds tls.crt and tls.key issued by someone else (for
	// example cert-manager, whose CA injector then fills the caBundle);
	// the controller then neither makes nor injects a certificate.
	CertDir string
	// Service, Configuration and Secret name the webhook's Service, its
	// ValidatingWebhookConfiguration and the Secret the controller keeps
	// its certificate in (in Options.Namespace).
	Service, Configuration, Secret string
	// Hosts are names or addresses the certificate is valid for besides
	// the Service's DNS names.
	Hosts []string
	// RenewCheck is how often the certificate and caBundle are checked.
	// Default one minute.
	RenewCheck time.Duration
}

func (w WebhookOptions) withDefaults() WebhookOptions {
	if w.Service == "" {
		w.Service = "farol-webhook"
	}
	if w.Configuration == "" {
		w.Configuration = "farol-validating"
	}
	if w.Secret == "" {
		w.Secret = "farol-webhook-cert"
	}
	if w.RenewCheck == 0 {
		w.RenewCheck = time.Minute
	}
	return w
}

// server is the manager's webhook server: nil (none) when off, serving
// certs from CertDir, or from the keeper's Secret.
func (w WebhookOptions) server(serving *servingCert) webhook.Server {
	if w.Port == 0 {
		return nil
	}
	o := webhook.Options{Port: w.Port, CertDir: w.CertDir}
	if w.CertDir == "" {
		o.TLSOpts = []func(*tls.Config){func(c *tls.Config) { c.GetCertificate = serving.get }}
	}
	return webhook.NewServer(o)
}

// addWebhook registers the validators, the certificate keeper (unless an
// issuer mounts the certificate) and a readiness check that passes once
// the server answers TLS.
func (o *Options) addWebhook(mgr ctrl.Manager, scheme *runtime.Scheme, serving *servingCert) error {
	if o.Webhook.Port == 0 {
		return nil
	}
	srv := mgr.GetWebhookServer()
	farolwebhook.Register(srv, scheme, mgr.GetClient())
	if o.Webhook.CertDir == "" {
		if err := mgr.Add(&certKeeper{
			reader: mgr.GetAPIReader(), writer: mgr.GetClient(),
			namespace: o.Namespace, secret: o.Webhook.Secret, configuration: o.Webhook.Configuration,
			hosts:   certs.Hosts(o.Webhook.Service, o.Namespace, o.Webhook.Hosts...),
			serving: serving, every: o.Webhook.RenewCheck, now: o.Now,
			log: o.Logger.WithName("webhook"),
		}); err != nil {
			return err
		}
	}
	return mgr.AddReadyzCheck("webhook", srv.StartedChecker())
}
