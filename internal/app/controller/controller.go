// Package controller runs Farol's allocating controller: it wires the
// reconcilers of package internal/controller into a controller-runtime
// manager with leader election, metrics and health endpoints. Tests start it
// in-process with Run.
package controller

import (
	"context"
	"fmt"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
	"github.com/farol-lb/farol/internal/metrics"
	"github.com/farol-lb/farol/internal/reconciler"
)

// Options configure the controller. The zero value of a field means its
// default (see Defaults).
type Options struct {
	// Config reaches the API server. Required.
	Config *rest.Config
	// MetricsAddress serves /metrics ("0" turns it off). Default ":9420".
	MetricsAddress string
	// HealthAddress serves /healthz and /readyz ("0" turns it off).
	// Default ":9421".
	HealthAddress string
	// LeaderElection makes replicas take turns; only the leader assigns.
	LeaderElection bool
	// LeaderElectionNamespace holds the leader Lease. Default: the
	// namespace the controller runs in (ServiceAccountNamespaceFile), or
	// DefaultLeaderElectionNamespace outside a cluster. It must exist: Run
	// fails at once otherwise.
	LeaderElectionNamespace string
	LeaderElectionID        string
	// ServiceAccountNamespaceFile names the namespace a Pod runs in.
	// Default: the service-account mount's file.
	ServiceAccountNamespaceFile string

	LeaseDuration time.Duration
	RenewDeadline time.Duration
	RetryPeriod   time.Duration
	// DefaultClass serves LoadBalancer Services without a class.
	DefaultClass bool
	// ReassignOrphans moves Services whose address left every pool.
	ReassignOrphans bool
	// Namespace holds the controller's Secrets. Default: the namespace it
	// runs in, as for LeaderElectionNamespace.
	Namespace string
	// MemberlistSecret is created in Namespace with a random gossip key
	// when it does not exist ("" = leave it to the operator).
	MemberlistSecret string
	// Webhook is the admission webhook's serving options.
	Webhook WebhookOptions
	// Workers is the number of Services reconciled in parallel.
	Workers int
	// QPS and Burst limit requests to the API server. client-go's defaults
	// (5/10) would make a burst of new Services wait on the client itself.
	QPS   float32
	Burst int
	// Registry receives Farol's metrics. Default: controller-runtime's
	// registry, which the metrics endpoint serves.
	Registry prometheus.Registerer
	// Logger for everything. Default: controller-runtime's global one.
	Logger logr.Logger
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// DefaultLeaderElectionNamespace holds the Lease of a controller that runs
// outside a cluster and is given no namespace: the namespace the install
// manifests use.
const DefaultLeaderElectionNamespace = "farol-system"

// serviceAccountNamespaceFile is where Kubernetes tells a Pod its
// namespace.
const serviceAccountNamespaceFile = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"

// Defaults returns the options a production controller starts with.
func Defaults() Options {
	return Options{
		MetricsAddress:              ":9420",
		HealthAddress:               ":9421",
		LeaderElection:              true,
		LeaderElectionID:            "farol-controller",
		ServiceAccountNamespaceFile: serviceAccountNamespaceFile,
		LeaseDuration:               15 * time.Second,
		RenewDeadline:               10 * time.Second,
		RetryPeriod:                 2 * time.Second,
		DefaultClass:                true,
		Workers:                     8,
		QPS:                         500,
		Burst:                       1000,
	}
}

func (o *Options) complete() error {
	d := Defaults()
	if o.Config == nil {
		return fmt.Errorf("controller options: Config is required")
	}
	if o.MetricsAddress == "" {
		o.MetricsAddress = d.MetricsAddress
	}
	if o.HealthAddress == "" {
		o.HealthAddress = d.HealthAddress
	}
	if o.ServiceAccountNamespaceFile == "" {
		o.ServiceAccountNamespaceFile = d.ServiceAccountNamespaceFile
	}
	if o.LeaderElectionNamespace == "" {
		ns, err := leaseNamespace(o.ServiceAccountNamespaceFile)
		if err != nil {
			return err
		}
		o.LeaderElectionNamespace = ns
	}
	if o.Namespace == "" {
		ns, err := leaseNamespace(o.ServiceAccountNamespaceFile)
		if err != nil {
			return err
		}
		o.Namespace = ns
	}
	o.Webhook = o.Webhook.withDefaults()
	if o.LeaderElectionID == "" {
		o.LeaderElectionID = d.LeaderElectionID
	}
	if o.LeaseDuration == 0 {
		o.LeaseDuration, o.RenewDeadline, o.RetryPeriod = d.LeaseDuration, d.RenewDeadline, d.RetryPeriod
	}
	if o.Workers <= 0 {
		o.Workers = d.Workers
	}
	if o.QPS <= 0 || o.Burst <= 0 {
		o.QPS, o.Burst = d.QPS, d.Burst
	}
	o.Config = rest.CopyConfig(o.Config)
	o.Config.QPS, o.Config.Burst = o.QPS, o.Burst
	if o.Registry == nil {
		o.Registry = ctrlmetrics.Registry
	}
	if o.Logger.GetSink() == nil {
		o.Logger = ctrl.Log.WithName("farol-controller")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return nil
}

// Run runs the controller until ctx ends.
func Run(ctx context.Context, o Options) error {
	if err := o.complete(); err != nil {
		return err
	}
	scheme, err := farolv1.Scheme()
	if err != nil {
		return fmt.Errorf("build scheme: %w", err)
	}
	m, err := metrics.NewController(o.Registry)
	if err != nil {
		return fmt.Errorf("register metrics: %w", err)
	}
	if o.LeaderElection {
		if err := checkNamespace(ctx, o.Config, o.LeaderElectionNamespace); err != nil {
			return err
		}
	}
	serving := &servingCert{}
	skipNameCheck := true // several controllers run in one test process
	mgr, err := ctrl.NewManager(o.Config, ctrl.Options{
		Scheme:                  scheme,
		Logger:                  o.Logger,
		Metrics:                 metricsserver.Options{BindAddress: o.MetricsAddress},
		HealthProbeBindAddress:  o.HealthAddress,
		LeaderElection:          o.LeaderElection,
		LeaderElectionNamespace: o.LeaderElectionNamespace,
		LeaderElectionID:        o.LeaderElectionID,
		LeaseDuration:           &o.LeaseDuration,
		RenewDeadline:           &o.RenewDeadline,
		RetryPeriod:             &o.RetryPeriod,
		// Leave the lease at once on shutdown so a standby takes over
		// without waiting for it to expire.
		LeaderElectionReleaseOnCancel: true,
		Controller:                    config.Controller{SkipNameValidation: &skipNameCheck},
		WebhookServer:                 o.Webhook.server(serving),
		// Secrets are read only in the controller's own namespace, where
		// its Role allows it.
		Cache: cache.Options{ByObject: map[client.Object]cache.ByObject{
			&corev1.Secret{}: {Namespaces: map[string]cache.Config{o.Namespace: {}}},
		}},
	})
	if err != nil {
		return fmt.Errorf("create manager: %w", err)
	}
	state := reconciler.NewAllocations(mgr.GetAPIReader())
	recorder := mgr.GetEventRecorder("farol-controller")
	svc := &reconciler.ServiceReconciler{
		Client:          mgr.GetClient(),
		Recorder:        recorder,
		State:           state,
		Metrics:         m,
		DefaultClass:    o.DefaultClass,
		ReassignOrphans: o.ReassignOrphans,
		Now:             o.Now,
	}
	if err := svc.SetupWithManager(mgr, o.Workers); err != nil {
		return fmt.Errorf("set up service controller: %w", err)
	}
	pools := &reconciler.PoolReconciler{Client: mgr.GetClient(), Recorder: recorder, State: state, Metrics: m, Ours: svc.Ours}
	if err := pools.SetupWithManager(mgr); err != nil {
		return fmt.Errorf("set up address pool controller: %w", err)
	}
	ads := &reconciler.AdvertisementReconciler{Client: mgr.GetClient(), Recorder: recorder}
	if err := ads.SetupWithManager(mgr); err != nil {
		return fmt.Errorf("set up advertisement controller: %w", err)
	}
	passwords := &reconciler.BGPPasswordsReconciler{Client: mgr.GetClient(), Namespace: o.Namespace}
	if err := passwords.SetupWithManager(mgr); err != nil {
		return fmt.Errorf("set up BGP password copy: %w", err)
	}
	if err := o.addWebhook(mgr, scheme, serving); err != nil {
		return err
	}
	if o.MemberlistSecret != "" {
		if err := mgr.Add(&gossipKey{writer: mgr.GetClient(), namespace: o.Namespace, name: o.MemberlistSecret,
			retry: 10 * time.Second, log: o.Logger.WithName("memberlist-key")}); err != nil {
			return err
		}
	}
	if err := mgr.AddHealthzCheck("ping", healthz.Ping); err != nil {
		return err
	}
	if err := mgr.AddReadyzCheck("ping", healthz.Ping); err != nil {
		return err
	}
	o.Logger.Info("starting", "defaultClass", o.DefaultClass, "leaderElection", o.LeaderElection,
		"leaseNamespace", o.LeaderElectionNamespace, "workers", o.Workers)
	return mgr.Start(ctx)
}
