package lab

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"slices"
	"time"
)

// RouterDaemon names the routing software StartRouter runs.
type RouterDaemon string

const (
	// FRR is Debian's frr: zebra, bgpd and bfdd.
	FRR RouterDaemon = "frr"
	// BIRD is Debian's bird2.
	BIRD RouterDaemon = "bird"
)

// RouterOptions configures the BGP router in the lab's router namespace.
// Everything is written into the daemon's configuration at start; change it
// by stopping the router and starting another.
type RouterOptions struct {
	// Daemon is FRR or BIRD. Required.
	Daemon RouterDaemon
	// ASN is the router's AS number. Default 64512.
	ASN uint32
	// RouterID is the BGP identifier. Default: the router's IPv4 address.
	RouterID netip.Addr
	// Peers are the neighbors the router accepts. At least one.
	Peers []RouterPeer
	// HoldTime and KeepaliveTime are the router's BGP timers. Default 3 s
	// (the shortest FRR accepts) and a third of the hold time.
	HoldTime, KeepaliveTime time.Duration
	// MaxPaths is how many equal paths the router installs as one
	// multipath route. Default 8; 1 turns ECMP off.
	MaxPaths int
	// GracefulRestart turns on graceful restart (RFC 4724) on the router:
	// FRR bgp graceful-restart, BIRD graceful restart on.
	GracefulRestart bool
	// Host is the router host to run on, one of Lab.Routers. Default
	// Lab.Router.
	Host *Host
	// Announce are prefixes the router originates and sends to every
	// peer (FRR network statements, a BIRD static protocol); otherwise it
	// sends nothing.
	Announce []netip.Prefix
}

// RouterPeer is one neighbor, or a range of dynamic neighbors, of the
// router. Every peer carries IPv4 and IPv6 unicast (MP-BGP), whatever the
// family of its session.
type RouterPeer struct {
	// Address is a single neighbor; the router also connects to it.
	Address netip.Addr
	// Range accepts any neighbor inside it (FRR bgp listen range, BIRD
	// neighbor range); the router only listens. Exactly one of Address
	// and Range is set.
	Range netip.Prefix
	// ASN is the neighbor's AS number: the router's own ASN makes it
	// iBGP, 0 accepts any external one (eBGP).
	ASN uint32
	// Password turns on TCP MD5 signatures (RFC 2385) with this key.
	Password string
	// BFD, if set, ties the session to a BFD session with these timers.
	BFD *BFDOptions
}

// BFDOptions are the BFD timers the router asks for. Zero fields default to
// 100 ms × 3.
type BFDOptions struct {
	MinRx, MinTx time.Duration
	Multiplier   int
}

// Router is a routing daemon running in the lab's router namespace.
type Router struct {
	// Host is the lab's router namespace.
	Host *Host
	// Options are the options it runs with, defaults filled in.
	Options RouterOptions
	// Dir holds its configuration, sockets and PID files.
	Dir string

	daemon routerDaemon
	procs  []*Proc
}

// routerDaemon is what FRR and BIRD each implement.
type routerDaemon interface {
	// configure writes the configuration files into r.Dir.
	configure(r *Router) error
	// start starts the daemon's processes.
	start(ctx context.Context, r *Router) ([]*Proc, error)
	// ready reports nil once the daemon answers on its control socket.
	ready(ctx context.Context, r *Router) error
	sessions(ctx context.Context, r *Router) ([]Session, error)
	bfdPeers(ctx context.Context, r *Router) ([]BFDPeer, error)
	bgpPaths(ctx context.Context, r *Router, prefix netip.Prefix) ([]BGPPath, error)
}

// routerStartTimeout bounds the wait for the daemon's control socket.
const routerStartTimeout = 15 * time.Second

// routerSysctls make the router namespace forward and spread flows.
var routerSysctls = []sysctl{
	{"net.ipv4.ip_forward", "1"},
	{"net.ipv6.conf.all.forwarding", "1"},
	// Hash on ports too, so that connections from one client spread over
	// the paths of a multipath route.
	{"net.ipv4.fib_multipath_hash_policy", "1"},
	{"net.ipv6.fib_multipath_hash_policy", "1"},
	// The next hops are on the client's own segment: a redirect would
	// teach the client to bypass the router, and its ECMP with it.
	{"net.ipv4.conf.all.send_redirects", "0"},
	{"net.ipv4.conf." + hostIface + ".send_redirects", "0"},
}

// StartRouter starts FRR or BIRD in a router namespace (Options.Host) and
// returns once it answers on its control socket (sessions come up later;
// poll Sessions). Lab.Stop stops it, or Router.Stop earlier. One router at
// a time per router host.
func (l *Lab) StartRouter(ctx context.Context, o RouterOptions) (_ *Router, err error) {
	r := &Router{Host: cmp.Or(o.Host, l.Router)}
	if r.Options, err = o.withDefaults(r.Host.IPv4); err != nil {
		return nil, fmt.Errorf("start router: %w", err)
	}
	switch o.Daemon {
	case FRR:
		r.daemon = frr{}
	case BIRD:
		r.daemon = bird{}
	}
	if err := r.Host.Do(func() error { return sysctls(routerSysctls) }); err != nil {
		return nil, fmt.Errorf("start router: %w", err)
	}
	// Under /tmp rather than the lab's directory, which may be private to
	// root, while FRR runs as user frr. The lab's pattern, so Cleanup also
	// removes it after a killed run.
	if r.Dir, err = os.MkdirTemp("", tempDirPattern(l.Prefix)); err != nil {
		return nil, fmt.Errorf("start router: %w", err)
	}
	l.mu.Lock()
	l.routers = append(l.routers, r)
	l.mu.Unlock()
	defer func() {
		if err != nil {
			err = errors.Join(fmt.Errorf("start %s router: %w", o.Daemon, err), r.Stop())
		}
	}()
	if err := r.daemon.configure(r); err != nil {
		return nil, err
	}
	begin := time.Now()
	ctx, cancel := context.WithTimeout(ctx, routerStartTimeout)
	defer cancel()
	r.procs, err = r.daemon.start(ctx, r)
	if err != nil {
		return nil, err
	}
	if err := waitReady(ctx, r.procs, func() error { return r.daemon.ready(ctx, r) }); err != nil {
		return nil, err
	}
	l.logf("%s router up on %s in %s (AS %d, dir %s)", o.Daemon, r.Host.Name, since(begin), r.Options.ASN, r.Dir)
	return r, nil
}

// waitReady polls ready until it returns nil, one of procs exits (its log
// says why) or ctx ends.
func waitReady(ctx context.Context, procs []*Proc, ready func() error) error {
	for {
		err := ready()
		if err == nil {
			return nil
		}
		for _, p := range procs {
			select {
			case <-p.done:
				return p.exitError()
			default:
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("not ready: %w (%w)", ctx.Err(), err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Stop stops the daemon's processes, which take their routes out of the
// kernel as they go, and removes Dir. Safe to call more than once.
func (r *Router) Stop() error {
	var errs []error
	for _, p := range r.procs {
		errs = append(errs, p.Stop(procStopTimeout))
	}
	if r.Dir != "" {
		errs = append(errs, os.RemoveAll(r.Dir))
	}
	return errors.Join(errs...)
}

// Procs are the daemon's processes (FRR: zebra, bgpd, bfdd; BIRD: bird),
// for tests that kill or pause the router.
func (r *Router) Procs() []*Proc { return r.procs }

// Sessions lists the router's BGP sessions, one per neighbor it knows:
// configured ones, and dynamic ones that have connected.
func (r *Router) Sessions(ctx context.Context) ([]Session, error) {
	s, err := r.daemon.sessions(ctx, r)
	if err != nil {
		return nil, fmt.Errorf("%s sessions: %w", r.Options.Daemon, err)
	}
	return s, nil
}

// BFDPeers lists the router's BFD sessions.
func (r *Router) BFDPeers(ctx context.Context) ([]BFDPeer, error) {
	s, err := r.daemon.bfdPeers(ctx, r)
	if err != nil {
		return nil, fmt.Errorf("%s BFD peers: %w", r.Options.Daemon, err)
	}
	return s, nil
}

// Routes returns the routes for exactly prefix in the router's kernel
// table: what the daemon installed from BGP.
func (r *Router) Routes(ctx context.Context, prefix netip.Prefix) ([]Route, error) {
	return r.Host.Routes(ctx, prefix)
}

func (o RouterOptions) withDefaults(self netip.Addr) (RouterOptions, error) {
	if o.Daemon != FRR && o.Daemon != BIRD {
		return o, fmt.Errorf("daemon %q: want %q or %q", o.Daemon, FRR, BIRD)
	}
	if o.ASN == 0 {
		o.ASN = 64512
	}
	if !o.RouterID.IsValid() {
		o.RouterID = self
	}
	if !o.RouterID.Is4() {
		return o, fmt.Errorf("router ID %s: want an IPv4 address", o.RouterID)
	}
	if o.HoldTime == 0 {
		o.HoldTime = 3 * time.Second
	}
	if o.KeepaliveTime == 0 {
		o.KeepaliveTime = o.HoldTime / 3
	}
	if o.HoldTime < 3*time.Second || o.KeepaliveTime < time.Second || o.KeepaliveTime >= o.HoldTime {
		return o, fmt.Errorf("hold %s, keepalive %s: want hold ≥ 3 s and 1 s ≤ keepalive < hold", o.HoldTime, o.KeepaliveTime)
	}
	if o.MaxPaths == 0 {
		o.MaxPaths = 8
	}
	if len(o.Peers) == 0 {
		return o, errors.New("no peers")
	}
	peers := make([]RouterPeer, len(o.Peers))
	for i, p := range o.Peers {
		if p.Address.IsValid() == p.Range.IsValid() {
			return o, fmt.Errorf("peer %d: want exactly one of Address and Range", i)
		}
		p.Range = p.Range.Masked()
		if p.BFD != nil {
			b := *p.BFD
			b.MinRx = cmp.Or(b.MinRx, 100*time.Millisecond)
			b.MinTx = cmp.Or(b.MinTx, 100*time.Millisecond)
			b.Multiplier = cmp.Or(b.Multiplier, 3)
			p.BFD = &b
		}
		peers[i] = p
	}
	o.Peers = peers
	o.Announce = slices.Clone(o.Announce)
	for i, p := range o.Announce {
		if !p.IsValid() {
			return o, fmt.Errorf("announce %d: invalid prefix", i)
		}
		o.Announce[i] = p.Masked()
	}
	return o, nil
}

// Session is one BGP session as the router reports it.
type Session struct {
	// Peer is the neighbor's address.
	Peer netip.Addr
	// ASN is the neighbor's AS number, 0 while unknown.
	ASN uint32
	// State is the daemon's word for the BGP state (Established, Active,
	// Connect, ...); Established says whether it is Established.
	State       string
	Established bool
	// Uptime is how long the session has been Established.
	Uptime time.Duration
	// Since is when it was Established, by the router's clock: a session
	// that did not reset keeps it (FRR counts whole seconds).
	Since time.Time
	// Received4 and Received6 count the IPv4 and IPv6 unicast prefixes
	// accepted from the neighbor.
	Received4, Received6 int
	// Sent4 and Sent6 count the prefixes sent to it.
	Sent4, Sent6 int
}

// BFDPeer is one BFD session as the router reports it.
type BFDPeer struct {
	Peer netip.Addr
	// State is the daemon's word (up, down, init, ...); Up says whether it
	// is up.
	State string
	Up    bool
}
