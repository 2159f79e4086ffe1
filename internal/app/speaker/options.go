// Package speaker runs Farol's node agent: it watches Services, their
// EndpointSlices, Nodes and L2Advertisements, asks package
// internal/speaker who announces each address, and converges the ARP/NDP
// responders of this node to the answer. Membership between speakers
// (memberlist) says who is alive. Tests start it in-process with Run.
package speaker

import (
	"fmt"
	"log/slog"
	"net/netip"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/client-go/rest"

	"github.com/farol-lb/farol/internal/announce/l2"
	"github.com/farol-lb/farol/internal/election"
	"github.com/farol-lb/farol/internal/membership"
)

// Options configure the speaker; zero values mean the defaults.
type Options struct {
	// Config reaches the API server. Required.
	Config *rest.Config
	// NodeName is this node's name. Required.
	NodeName string
	// MetricsAddress serves /metrics ("0" = off). Default ":9422".
	MetricsAddress string
	// HealthAddress serves /healthz and /readyz ("0" = off). Default ":9423".
	HealthAddress string
	// Membership configures memberlist; NodeName is filled in, and BindAddr
	// defaults to this node's InternalIP from its Node object.
	Membership membership.Options
	// SecretNamespace and SecretName name a Secret whose "key" encrypts
	// gossip between speakers; empty means no encryption.
	SecretNamespace, SecretName string
	// L2 configures the ARP/NDP responders.
	L2 l2.Options
	// HandoverTimeout bounds how long a node that is alive keeps answering
	// for an address it no longer owns while it waits to hear the new
	// owner's gratuitous ARP/NA (see speaker.Handover): a graceful move
	// loses no request, and a successor that never claims does not keep
	// the old owner answering forever. Default 2s.
	HandoverTimeout time.Duration
	// JoinGrace is how long a starting speaker waits to meet the others
	// before it announces anything, so it does not briefly believe it is
	// alone and answer for every address. Default 1s.
	JoinGrace time.Duration
	// FreezeThreshold: a speaker that finds it was stopped longer than this
	// (a frozen process or VM: its clock jumped) assumes the others
	// declared it dead and took its addresses over. It goes quiet,
	// exchanges state with them so that they see it alive again, and
	// answers again with a gratuitous burst that tells the nodes that stood
	// in to yield. Default 500ms, a little above the membership's failure
	// detection time (about 350 ms with the default probes); a false alarm
	// costs one state exchange, milliseconds without answers.
	FreezeThreshold time.Duration
	// BGPMode runs the BGP announcer (an embedded GoBGP that only dials
	// out) and Farol's BFD for the BGPPeers that select this node. Off in
	// the zero value; Defaults turns it on.
	BGPMode bool
	// BGP and BFD replace the real BGP announcer and BFD runner (tests).
	BGP BGP
	BFD BFDRunner
	// Members replaces the memberlist membership (Membership is then
	// unused): benchmarks and tests simulate thousands of live speakers
	// with it. Run closes it.
	Members Members
	// Announcer replaces the ARP/NDP responders (L2 is then unused). Run
	// closes it.
	Announcer Layer2
	// Registry receives the speaker's metrics. Default: controller-runtime's
	// registry, which the metrics endpoint serves.
	Registry prometheus.Registerer
	// Logger; default slog.Default().
	Logger *slog.Logger
}

// Defaults returns a production speaker's options (Config and NodeName
// still to be set).
func Defaults() Options {
	return Options{
		MetricsAddress:  ":9422",
		HealthAddress:   ":9423",
		L2:              l2.Defaults(),
		HandoverTimeout: 2 * time.Second,
		JoinGrace:       time.Second,
		FreezeThreshold: 500 * time.Millisecond,
		BGPMode:         true,
	}
}

func (o *Options) complete() error {
	d := Defaults()
	if o.Config == nil || o.NodeName == "" {
		return fmt.Errorf("speaker options: Config and NodeName are required")
	}
	if o.MetricsAddress == "" {
		o.MetricsAddress = d.MetricsAddress
	}
	if o.HealthAddress == "" {
		o.HealthAddress = d.HealthAddress
	}
	if o.HandoverTimeout == 0 {
		o.HandoverTimeout = d.HandoverTimeout
	}
	if o.JoinGrace == 0 {
		o.JoinGrace = d.JoinGrace
	}
	if o.FreezeThreshold == 0 {
		o.FreezeThreshold = d.FreezeThreshold
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	o.Membership.NodeName = o.NodeName
	o.Membership.Protocol = int(election.LatestProtocol)
	o.Config = rest.CopyConfig(o.Config)
	o.Config.QPS, o.Config.Burst = 100, 200
	return nil
}

// Members is what the speaker needs of the membership of speakers;
// *membership.Members implements it.
type Members interface {
	Live() []string
	Protocols() map[string]int
	Changes() <-chan struct{}
	Refuted() <-chan struct{}
	Join(peers []string) error
	Resync() (int, error)
	Leave(timeout time.Duration) error
	Close() error
}

// Layer2 is what the speaker needs of the ARP/NDP responders;
// *l2.Announcer implements it.
type Layer2 interface {
	// Change answers for the addresses in set on the interfaces named
	// (none: every suitable one) and no longer for those in unset; other
	// addresses are left alone.
	Change(set map[netip.Addr][]string, unset []netip.Addr) error
	// Answered returns the interfaces each of addrs is answered on now.
	Answered(addrs ...netip.Addr) map[netip.Addr][]string
	Reannounce()
	Close() error
}

var (
	_ Members = (*membership.Members)(nil)
	_ Layer2  = (*l2.Announcer)(nil)
)
