package lab

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"testing"
	"time"

	"github.com/osrg/gobgp/v4/api"
	"github.com/osrg/gobgp/v4/pkg/apiutil"
	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
	"github.com/osrg/gobgp/v4/pkg/server"
)

// gobgpEnv, when set, makes the test binary a GoBGP speaker instead of
// running tests: its value is a gobgpPeer in JSON. A process of its own,
// because a socket belongs to the namespace of the thread that opens it and
// GoBGP opens them on whichever thread its goroutines run.
const gobgpEnv = "FAROL_LAB_GOBGP_PEER"

func TestMain(m *testing.M) {
	if cfg := os.Getenv(gobgpEnv); cfg != "" {
		if err := runGoBGP(cfg); err != nil {
			fmt.Fprintln(os.Stderr, "gobgp peer:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// gobgpPeer is a node's side of a session with the router: the role Farol's
// speaker will play, played here by the GoBGP library.
type gobgpPeer struct {
	ASN       uint32
	Router    netip.Addr // the neighbor
	RouterASN uint32
	// Prefixes are announced with the node's address of the same family as
	// next hop.
	Prefixes           []netip.Prefix
	NextHop4, NextHop6 netip.Addr
	// BFD turns on GoBGP's BFD at 100 ms × 3.
	BFD bool
	// Password is the TCP MD5 key, if any.
	Password string
}

// startGoBGP runs a GoBGP speaker in the node's namespace, peering with the
// router from the node's IPv4 address.
func startGoBGP(t *testing.T, n *Node, p gobgpPeer) *Proc {
	t.Helper()
	p.NextHop4, p.NextHop6 = n.IPv4, n.IPv6
	cfg, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), gobgpEnv+"="+string(cfg))
	proc, err := n.Start("gobgp", cmd)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = proc.Stop(procStopTimeout) })
	return proc
}

// runGoBGP is the speaker's main: announce, then wait for SIGTERM.
func runGoBGP(cfg string) error {
	var p gobgpPeer
	if err := json.Unmarshal([]byte(cfg), &p); err != nil {
		return err
	}
	ctx := context.Background()
	lvl := &slog.LevelVar{}
	lvl.Set(slog.LevelInfo)
	s := server.NewBgpServer(server.LoggerOption(slog.New(slog.NewTextHandler(os.Stderr, nil)), lvl))
	go s.Serve()
	err := s.StartBgp(ctx, &api.StartBgpRequest{Global: &api.Global{
		Asn:        p.ASN,
		RouterId:   p.NextHop4.String(),
		ListenPort: -1, // connect only
	}})
	if err != nil {
		return err
	}
	// Send only our own paths, never what the router sends us.
	err = s.AddPolicy(ctx, &api.AddPolicyRequest{Policy: &api.Policy{
		Name: "local-only",
		Statements: []*api.Statement{{
			Name:       "local",
			Conditions: &api.Conditions{RouteType: api.Conditions_ROUTE_TYPE_LOCAL},
			Actions:    &api.Actions{RouteAction: api.RouteAction_ROUTE_ACTION_ACCEPT},
		}},
	}})
	if err != nil {
		return err
	}
	err = s.AddPolicyAssignment(ctx, &api.AddPolicyAssignmentRequest{Assignment: &api.PolicyAssignment{
		Name:          "global",
		Direction:     api.PolicyDirection_POLICY_DIRECTION_EXPORT,
		Policies:      []*api.Policy{{Name: "local-only"}},
		DefaultAction: api.RouteAction_ROUTE_ACTION_REJECT,
	}})
	if err != nil {
		return err
	}
	peer := &api.Peer{
		Conf: &api.PeerConf{NeighborAddress: p.Router.String(), PeerAsn: p.RouterASN, AuthPassword: p.Password},
		Timers: &api.Timers{Config: &api.TimersConfig{
			ConnectRetry: 1, HoldTime: 3, KeepaliveInterval: 1,
			// After a BFD reset GoBGP waits 30 s by default.
			IdleHoldTimeAfterReset: 1,
		}},
		AfiSafis: []*api.AfiSafi{
			{Config: &api.AfiSafiConfig{Family: &api.Family{Afi: api.Family_AFI_IP, Safi: api.Family_SAFI_UNICAST}, Enabled: true}},
			{Config: &api.AfiSafiConfig{Family: &api.Family{Afi: api.Family_AFI_IP6, Safi: api.Family_SAFI_UNICAST}, Enabled: true}},
		},
	}
	if err := s.AddPeer(ctx, &api.AddPeerRequest{Peer: peer}); err != nil {
		return err
	}
	if p.BFD {
		if err := bfdWhileEstablished(ctx, s, peer); err != nil {
			return err
		}
	}
	for _, pfx := range p.Prefixes {
		path, err := gobgpPath(pfx, p.NextHop4, p.NextHop6)
		if err != nil {
			return err
		}
		if _, err := s.AddPath(apiutil.AddPathRequest{Paths: []*apiutil.Path{path}}); err != nil {
			return fmt.Errorf("add path %s: %w", pfx, err)
		}
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
	return s.StopBgp(ctx, &api.StopBgpRequest{})
}

// bfdDelay is how long after Established the peer turns BFD on.
const bfdDelay = 300 * time.Millisecond

// bfdWhileEstablished turns BFD on shortly after each time the session
// reaches Established and off when it leaves it. GoBGP v4.8.0 binds the
// first remote discriminator it hears and drops packets with another one
// until its session expires; FRR, as the session comes up, starts a BFD
// session from 0.0.0.0 and at once replaces it with one from its own
// address, so BFD on from the start never comes up against FRR (every
// expiry resets BGP, and the next session races the same way).
func bfdWhileEstablished(ctx context.Context, s *server.BgpServer, peer *api.Peer) error {
	states := make(chan bool, 16)
	err := s.WatchEvent(ctx, server.WatchEventMessageCallbacks{
		OnPeerUpdate: func(e *apiutil.WatchEventMessage_PeerEvent, _ time.Time) {
			if e.Type == apiutil.PEER_EVENT_STATE {
				states <- e.Peer.State.SessionState == bgp.BGP_FSM_ESTABLISHED
			}
		},
	}, server.WatchPeer())
	if err != nil {
		return err
	}
	// Not from the callback: UpdatePeer waits for the server's loop.
	go func() {
		on := false
		for up := range states {
			if up {
				time.Sleep(bfdDelay)
			}
			if up == on {
				continue
			}
			on = up
			peer.Bfd = &api.BfdPeerConfig{Enabled: on}
			if on {
				peer.Bfd = &api.BfdPeerConfig{
					Enabled: true, Port: 3784,
					DesiredMinimumTxInterval: 100_000, RequiredMinimumReceive: 100_000, DetectionMultiplier: 3,
				}
			}
			if _, err := s.UpdatePeer(ctx, &api.UpdatePeerRequest{Peer: peer}); err != nil {
				fmt.Fprintln(os.Stderr, "gobgp peer: BFD on =", on, ":", err)
			}
		}
	}()
	return nil
}

// gobgpPath is a local path for pfx with the next hop of its family.
func gobgpPath(pfx netip.Prefix, nh4, nh6 netip.Addr) (*apiutil.Path, error) {
	nlri, err := bgp.NewIPAddrPrefix(pfx)
	if err != nil {
		return nil, err
	}
	family, nh := bgp.RF_IPv4_UC, nh4
	if pfx.Addr().Is6() {
		family, nh = bgp.RF_IPv6_UC, nh6
	}
	attrs := []bgp.PathAttributeInterface{bgp.NewPathAttributeOrigin(bgp.BGP_ORIGIN_ATTR_TYPE_IGP)}
	if family == bgp.RF_IPv4_UC {
		a, err := bgp.NewPathAttributeNextHop(nh)
		if err != nil {
			return nil, err
		}
		attrs = append(attrs, a)
	} else {
		a, err := bgp.NewPathAttributeMpReachNLRI(family, []bgp.PathNLRI{{NLRI: nlri}}, nh)
		if err != nil {
			return nil, err
		}
		attrs = append(attrs, a)
	}
	return &apiutil.Path{Family: family, Nlri: nlri, Attrs: attrs}, nil
}
