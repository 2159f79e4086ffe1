// Command farol is Farol's one binary: `farol controller` assigns addresses
// to LoadBalancer Services, `farol speaker` makes them reachable from its
// node. main only parses flags; the programs live in internal/app.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/farol-lb/farol/internal/app/controller"
)

func main() {
	root := &cobra.Command{
		Use:           "farol",
		Short:         "Load balancer addresses for Kubernetes clusters outside a cloud",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(controllerCommand(), speakerCommand(), versionCommand())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := root.ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "farol:", err)
		os.Exit(1)
	}
}

func controllerCommand() *cobra.Command {
	o := controller.Defaults()
	var kubeconfig string
	var zo zap.Options
	cmd := &cobra.Command{
		Use:   "controller",
		Short: "Assign addresses from AddressPools to LoadBalancer Services",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := restConfig(kubeconfig)
			if err != nil {
				return err
			}
			o.Config = cfg
			o.Logger = zap.New(zap.UseFlagOptions(&zo))
			ctrl.SetLogger(o.Logger)
			setMemoryLimit(o.Logger)
			return controller.Run(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&kubeconfig, "kubeconfig", "", "kubeconfig file; in-cluster config when empty")
	f.StringVar(&o.MetricsAddress, "metrics-address", o.MetricsAddress, `address for /metrics ("0" = off)`)
	f.StringVar(&o.HealthAddress, "health-address", o.HealthAddress, `address for /healthz and /readyz ("0" = off)`)
	f.BoolVar(&o.LeaderElection, "leader-elect", o.LeaderElection, "take turns with other replicas through a Lease")
	f.StringVar(&o.LeaderElectionNamespace, "leader-election-namespace", o.LeaderElectionNamespace, "namespace of the leader Lease (default: the controller's own namespace in a cluster, "+controller.DefaultLeaderElectionNamespace+" outside one); must exist")
	f.StringVar(&o.LeaderElectionID, "leader-election-id", o.LeaderElectionID, "name of the leader Lease")
	f.DurationVar(&o.LeaseDuration, "lease-duration", o.LeaseDuration, "how long a standby waits before taking an unrenewed lease")
	f.DurationVar(&o.RenewDeadline, "renew-deadline", o.RenewDeadline, "how long the leader tries to renew before giving up")
	f.DurationVar(&o.RetryPeriod, "retry-period", o.RetryPeriod, "interval between lease attempts")
	f.BoolVar(&o.DefaultClass, "default-class", o.DefaultClass, "also serve LoadBalancer Services that have no spec.loadBalancerClass")
	f.BoolVar(&o.ReassignOrphans, "reassign-orphans", o.ReassignOrphans, "move Services whose address left every pool to a new address instead of keeping it")
	f.StringVar(&o.Namespace, "namespace", o.Namespace, "namespace of the controller's Secrets (default: the one it runs in, else "+controller.DefaultLeaderElectionNamespace+")")
	f.StringVar(&o.MemberlistSecret, "memberlist-secret", o.MemberlistSecret, `create this Secret with a random gossip key in --namespace when missing ("" = never)`)
	f.IntVar(&o.Webhook.Port, "webhook-port", o.Webhook.Port, "serve the admission webhook on this port (0 = off)")
	f.StringVar(&o.Webhook.CertDir, "webhook-cert-dir", o.Webhook.CertDir, "read the webhook's tls.crt and tls.key from here (cert-manager); empty: the controller issues, renews and injects its own")
	f.StringVar(&o.Webhook.Service, "webhook-service", "farol-webhook", "the webhook's Service, for the certificate's DNS names")
	f.StringVar(&o.Webhook.Configuration, "webhook-configuration", "farol-validating", "ValidatingWebhookConfiguration whose caBundle the controller fills")
	f.StringVar(&o.Webhook.Secret, "webhook-secret", "farol-webhook-cert", "Secret in --namespace holding the webhook's certificate")
	f.StringSliceVar(&o.Webhook.Hosts, "webhook-host", nil, "extra DNS name or address for the webhook's certificate (repeatable)")
	f.IntVar(&o.Workers, "workers", o.Workers, "Services reconciled in parallel")
	f.Float32Var(&o.QPS, "kube-api-qps", o.QPS, "requests per second to the API server")
	f.IntVar(&o.Burst, "kube-api-burst", o.Burst, "request burst to the API server")
	// zap binds standard-library flags (--zap-log-level and friends).
	gf := flag.NewFlagSet("zap", flag.ContinueOnError)
	zo.BindFlags(gf)
	f.AddGoFlagSet(gf)
	return cmd
}

func restConfig(kubeconfig string) (*rest.Config, error) {
	if kubeconfig == "" {
		cfg, err := rest.InClusterConfig()
		if err != nil {
			return nil, fmt.Errorf("no --kubeconfig and not in a cluster: %w", err)
		}
		return cfg, nil
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("read kubeconfig %s: %w", kubeconfig, err)
	}
	return cfg, nil
}
