package membership

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"time"

	"github.com/hashicorp/memberlist"
)

// Defaults for Options, tuned for sub-second failure detection on a LAN; the
// package documentation explains the arithmetic.
const (
	DefaultBindPort                = 7946
	DefaultProbeInterval           = 100 * time.Millisecond
	DefaultProbeTimeout            = 50 * time.Millisecond
	DefaultSuspicionMult           = 2
	DefaultSuspicionMaxTimeoutMult = 3
	DefaultIndirectChecks          = 3
	DefaultGossipInterval          = 50 * time.Millisecond
	DefaultGossipNodes             = 3
	DefaultGossipToTheDeadTime     = 15 * time.Second
	DefaultRetransmitMult          = 4
	DefaultTCPTimeout              = time.Second
	DefaultPushPullInterval        = 15 * time.Second
	DefaultDeadNodeReclaimTime     = 5 * time.Second
	DefaultRejoinInterval          = time.Second
)

// Options configures a member. NodeName and BindAddr are required; a zero
// value anywhere else means the default.
type Options struct {
	// NodeName is the member's name, the Kubernetes node name; it is what
	// Live returns and what the election ranks.
	NodeName string
	// BindAddr is the IP to bind and to advertise: the node's InternalIP,
	// which is the address other speakers join. It must be a specific
	// address, since peers cannot reach 0.0.0.0.
	BindAddr string
	// BindPort is the UDP and TCP port, the same on every speaker; peers
	// given to Join without a port use it too.
	BindPort int
	// SecretKey, when set, encrypts and authenticates gossip (AES, 16, 24 or
	// 32 bytes). Speakers with another key cannot join.
	SecretKey []byte
	// Protocol is the newest owner-election protocol this member speaks
	// (package election), published to the others in its metadata so
	// that all can agree on the newest one every live member speaks.
	// 0 publishes nothing, as members before protocols were published.
	Protocol int
	// Logger receives memberlist's logs at debug level; nil discards them.
	Logger *slog.Logger

	// ProbeInterval is how often a member probes another one.
	ProbeInterval time.Duration
	// ProbeTimeout is how long a direct UDP probe waits for its ack before
	// indirect probes start; it must be less than ProbeInterval.
	ProbeTimeout time.Duration
	// SuspicionMult scales the time a suspect gets to refute, in probe
	// intervals (times log10 of the cluster size, at least 1).
	SuspicionMult int
	// SuspicionMaxTimeoutMult bounds the suspicion timeout when it waits for
	// confirmations (only with SuspicionMult > 2).
	SuspicionMaxTimeoutMult int
	// IndirectChecks is how many members probe on our behalf when a direct
	// probe fails.
	IndirectChecks int
	// GossipInterval and GossipNodes: how often, and to how many members,
	// state changes are gossiped.
	GossipInterval time.Duration
	GossipNodes    int
	// GossipToTheDeadTime is how long dead members still receive gossip
	// (which lets a wrongly declared one learn of it and refute) and stay
	// listed internally.
	GossipToTheDeadTime time.Duration
	// RetransmitMult scales how many times a message is gossiped:
	// RetransmitMult · ceil(log10(n+1)).
	RetransmitMult int
	// TCPTimeout bounds a join or push-pull exchange, including the connect.
	TCPTimeout time.Duration
	// PushPullInterval is how often full state is exchanged with a random
	// live member, repairing anything gossip missed.
	PushPullInterval time.Duration
	// DeadNodeReclaimTime is how long a dead member's name is kept from a
	// member at another address, such as a node whose InternalIP changed.
	DeadNodeReclaimTime time.Duration
	// RejoinInterval is how often peers without a live member are joined
	// again; see "Healing" in the package documentation.
	RejoinInterval time.Duration

	// wrapTransport lets tests put a transport they can cut between
	// memberlist and the network.
	wrapTransport func(memberlist.Transport) memberlist.Transport
}

// withDefaults fills the unset fields. It is the only place defaults apply.
func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	orDefault(&o.BindPort, DefaultBindPort)
	orDefault(&o.ProbeInterval, DefaultProbeInterval)
	orDefault(&o.ProbeTimeout, DefaultProbeTimeout)
	orDefault(&o.SuspicionMult, DefaultSuspicionMult)
	orDefault(&o.SuspicionMaxTimeoutMult, DefaultSuspicionMaxTimeoutMult)
	orDefault(&o.IndirectChecks, DefaultIndirectChecks)
	orDefault(&o.GossipInterval, DefaultGossipInterval)
	orDefault(&o.GossipNodes, DefaultGossipNodes)
	orDefault(&o.GossipToTheDeadTime, DefaultGossipToTheDeadTime)
	orDefault(&o.RetransmitMult, DefaultRetransmitMult)
	orDefault(&o.TCPTimeout, DefaultTCPTimeout)
	orDefault(&o.PushPullInterval, DefaultPushPullInterval)
	orDefault(&o.DeadNodeReclaimTime, DefaultDeadNodeReclaimTime)
	orDefault(&o.RejoinInterval, DefaultRejoinInterval)
	return o
}

func orDefault[T int | time.Duration](v *T, d T) {
	if *v == 0 {
		*v = d
	}
}

// validate checks defaulted Options and returns the bind address.
func (o Options) validate() (netip.Addr, error) {
	var errs []error
	if o.NodeName == "" {
		errs = append(errs, errors.New("NodeName: required"))
	}
	addr, err := netip.ParseAddr(o.BindAddr)
	switch {
	case o.BindAddr == "":
		errs = append(errs, errors.New("BindAddr: required"))
	case err != nil:
		errs = append(errs, fmt.Errorf("BindAddr: %w", err))
	case addr.IsUnspecified():
		errs = append(errs, fmt.Errorf("BindAddr: %s is not an address peers can reach", addr))
	}
	if o.BindPort < 1 || o.BindPort > 65535 {
		errs = append(errs, fmt.Errorf("BindPort: %d is not a port", o.BindPort))
	}
	switch len(o.SecretKey) {
	case 0, 16, 24, 32:
	default:
		errs = append(errs, fmt.Errorf("SecretKey: %d bytes, want 16, 24 or 32", len(o.SecretKey)))
	}
	if o.ProbeTimeout >= o.ProbeInterval {
		errs = append(errs, fmt.Errorf("ProbeTimeout: %s must be less than ProbeInterval %s", o.ProbeTimeout, o.ProbeInterval))
	}
	for _, f := range []struct {
		name string
		v    int64
	}{
		{"ProbeInterval", int64(o.ProbeInterval)}, {"ProbeTimeout", int64(o.ProbeTimeout)},
		{"SuspicionMult", int64(o.SuspicionMult)}, {"SuspicionMaxTimeoutMult", int64(o.SuspicionMaxTimeoutMult)},
		{"IndirectChecks", int64(o.IndirectChecks)}, {"GossipInterval", int64(o.GossipInterval)},
		{"GossipNodes", int64(o.GossipNodes)}, {"GossipToTheDeadTime", int64(o.GossipToTheDeadTime)},
		{"RetransmitMult", int64(o.RetransmitMult)}, {"TCPTimeout", int64(o.TCPTimeout)},
		{"PushPullInterval", int64(o.PushPullInterval)}, {"DeadNodeReclaimTime", int64(o.DeadNodeReclaimTime)},
		{"RejoinInterval", int64(o.RejoinInterval)},
	} {
		if f.v < 0 {
			errs = append(errs, fmt.Errorf("%s: must not be negative", f.name))
		}
	}
	if len(errs) > 0 {
		return netip.Addr{}, fmt.Errorf("%w: %w", ErrInvalidOptions, errors.Join(errs...))
	}
	return addr.Unmap(), nil
}

// config translates Options into memberlist's configuration.
func (o Options) config(addr netip.Addr) *memberlist.Config {
	c := memberlist.DefaultLANConfig()
	c.Name = o.NodeName
	c.BindAddr, c.BindPort = addr.String(), o.BindPort
	c.AdvertiseAddr, c.AdvertisePort = addr.String(), o.BindPort
	c.ProbeInterval = o.ProbeInterval
	c.ProbeTimeout = o.ProbeTimeout
	c.SuspicionMult = o.SuspicionMult
	c.SuspicionMaxTimeoutMult = o.SuspicionMaxTimeoutMult
	c.IndirectChecks = o.IndirectChecks
	c.GossipInterval = o.GossipInterval
	c.GossipNodes = o.GossipNodes
	c.GossipToTheDeadTime = o.GossipToTheDeadTime
	c.RetransmitMult = o.RetransmitMult
	c.TCPTimeout = o.TCPTimeout
	c.PushPullInterval = o.PushPullInterval
	c.DeadNodeReclaimTime = o.DeadNodeReclaimTime
	if len(o.SecretKey) > 0 {
		c.SecretKey = o.SecretKey
	}
	return c
}
