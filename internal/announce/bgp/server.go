package bgp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"

	api "github.com/osrg/gobgp/v4/api"
	"github.com/osrg/gobgp/v4/pkg/server"
)

// Errors returned by the Announcer's methods.
var (
	// ErrClosed: Shutdown or Close already ran.
	ErrClosed = errors.New("bgp announcer closed")
	// ErrInvalidOptions: New cannot start with these Options.
	ErrInvalidOptions = errors.New("invalid bgp options")
	// ErrInvalidPeer: a Peer cannot be configured (no name, no address,
	// no ASN, or a name or address used twice).
	ErrInvalidPeer = errors.New("invalid bgp peer")
	// ErrInvalidPath: a Path cannot be advertised (invalid prefix, or a
	// prefix given twice).
	ErrInvalidPath = errors.New("invalid bgp path")
)

// Announcer is this node's BGP instance. Its methods are safe for
// concurrent use.
type Announcer struct {
	opts Options
	log  *slog.Logger
	bgp  *server.BgpServer

	// mu serialises every change to GoBGP's configuration, so that the
	// policies always match the peers and paths they filter.
	mu     sync.Mutex
	peers  map[string]*peerEntry // by Peer.Name
	paths  map[netip.Prefix]Path // what is advertised now
	nextID int                   // numbers peers' policy objects
	closed bool
	stop   context.CancelFunc // ends the session watch
	dials  *dialErrors        // why each session's last dial failed
}

// New starts a BGP instance with no peers and no paths.
func New(ctx context.Context, o Options) (*Announcer, error) {
	o = o.withDefaults()
	if !o.RouterID.Is4() {
		return nil, fmt.Errorf("%w: router ID %v is not an IPv4 address", ErrInvalidOptions, o.RouterID)
	}
	if o.ASN == 0 {
		return nil, fmt.Errorf("%w: no ASN", ErrInvalidOptions)
	}
	lvl := new(slog.LevelVar)
	dials := &dialErrors{}
	gobgpLog := slog.New(dialWatch{inner: o.Logger.With("component", "gobgp").Handler(), errs: dials})
	s := server.NewBgpServer(server.LoggerOption(gobgpLog, lvl))
	go s.Serve()
	global := &api.Global{
		Asn:        o.ASN,
		RouterId:   o.RouterID.String(),
		ListenPort: o.ListenPort,
	}
	for _, a := range o.ListenAddresses {
		global.ListenAddresses = append(global.ListenAddresses, a.String())
	}
	a := &Announcer{
		opts:  o,
		log:   o.Logger,
		bgp:   s,
		peers: map[string]*peerEntry{},
		paths: map[netip.Prefix]Path{},
		dials: dials,
	}
	if err := s.StartBgp(ctx, &api.StartBgpRequest{Global: global}); err != nil {
		s.Stop()
		return nil, fmt.Errorf("start bgp: %w", err)
	}
	if err := a.installExportPolicy(ctx); err != nil {
		s.Stop()
		return nil, err
	}
	watchCtx, stop := context.WithCancel(context.Background())
	a.stop = stop
	if err := a.watchSessions(watchCtx); err != nil {
		stop()
		s.Stop()
		return nil, fmt.Errorf("watch bgp sessions: %w", err)
	}
	a.log.Info("bgp started", "routerID", o.RouterID, "asn", o.ASN, "listenPort", o.ListenPort)
	return a, nil
}

// Close stops the BGP instance at once: sessions end with a NOTIFICATION
// and routers drop this node's paths when they read it. With restart, peers
// with graceful restart get no NOTIFICATION and keep the paths for their
// restart time, so that a speaker that restarts keeps traffic flowing; the
// process is then expected to exit. Shutdown is the graceful way out. Later calls do nothing.
func (a *Announcer) Close(restart bool) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return nil
	}
	a.closed = true
	a.stop()
	if !restart {
		a.bgp.Stop()
		return nil
	}
	if err := a.bgp.StopBgp(context.Background(), &api.StopBgpRequest{AllowGracefulRestart: true}); err != nil {
		return fmt.Errorf("stop bgp: %w", err)
	}
	return nil
}
