package main

import (
	"log/slog"
	"os"

	"github.com/go-logr/logr"
	"github.com/spf13/cobra"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/farol-lb/farol/internal/app/speaker"
)

func speakerCommand() *cobra.Command {
	o := speaker.Defaults()
	var kubeconfig, logLevel string
	cmd := &cobra.Command{
		Use:   "speaker",
		Short: "Announce this node's share of the assigned addresses (ARP/NDP)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := restConfig(kubeconfig)
			if err != nil {
				return err
			}
			o.Config = cfg
			if o.NodeName == "" {
				o.NodeName = os.Getenv("NODE_NAME")
			}
			var level slog.Level
			if err := level.UnmarshalText([]byte(logLevel)); err != nil {
				return err
			}
			o.Logger = slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
			// Before anything logs through controller-runtime's global
			// logger, which otherwise prints a stack trace on first use.
			ctrl.SetLogger(logr.FromSlogHandler(o.Logger.Handler()))
			setMemoryLimit(logr.FromSlogHandler(o.Logger.Handler()))
			setSpeakerGC(logr.FromSlogHandler(o.Logger.Handler()))
			return speaker.Run(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&kubeconfig, "kubeconfig", "", "kubeconfig file; in-cluster config when empty")
	f.StringVar(&o.NodeName, "node-name", "", "this node's name (default $NODE_NAME)")
	f.StringVar(&o.MetricsAddress, "metrics-address", o.MetricsAddress, `address for /metrics ("0" = off)`)
	f.StringVar(&o.HealthAddress, "health-address", o.HealthAddress, `address for /healthz ("0" = off)`)
	f.StringVar(&o.Membership.BindAddr, "bind-address", "", "memberlist address (default: this node's InternalIP)")
	f.IntVar(&o.Membership.BindPort, "bind-port", 7946, "memberlist port, the same on every node")
	f.DurationVar(&o.Membership.ProbeInterval, "probe-interval", 0, "memberlist probe interval (default 100ms)")
	f.DurationVar(&o.Membership.ProbeTimeout, "probe-timeout", 0, "memberlist probe timeout (default 50ms)")
	f.StringVar(&o.SecretNamespace, "memberlist-secret-namespace", "", "namespace of the Secret with the gossip key")
	f.StringVar(&o.SecretName, "memberlist-secret", "", `Secret whose "key" encrypts gossip`)
	f.DurationVar(&o.HandoverTimeout, "handover-timeout", o.HandoverTimeout, "longest a live node keeps answering for an address it hands over, waiting to hear the successor claim it")
	f.DurationVar(&o.JoinGrace, "join-grace", o.JoinGrace, "wait this long to meet other speakers before announcing")
	f.DurationVar(&o.L2.RefreshInterval, "gratuitous-refresh", o.L2.RefreshInterval, "re-announce owned addresses this often")
	f.BoolVar(&o.BGPMode, "bgp", o.BGPMode, "run the BGP mode: sessions to the BGPPeers that select this node, with Farol's BFD")
	f.StringVar(&logLevel, "log-level", "info", "debug, info, warn or error")
	return cmd
}
