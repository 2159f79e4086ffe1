package bgp

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	api "github.com/osrg/gobgp/v4/api"
	"github.com/osrg/gobgp/v4/pkg/apiutil"
	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
	"github.com/osrg/gobgp/v4/pkg/server"
)

// The tests run real GoBGP instances on loopback addresses of their own:
// 127.<run>.<test>.x, so that parallel runs and tests do not meet.
var testSeq atomic.Int32

// loopbacks returns n fresh loopback addresses for one test.
func loopbacks(n int) []netip.Addr {
	seq := testSeq.Add(1)
	base := [4]byte{127, byte(100 + (time.Now().UnixNano()/1e6)%100), byte(seq), 0}
	out := make([]netip.Addr, n)
	for i := range out {
		b := base
		b[3] = byte(i + 1)
		out[i] = netip.AddrFrom4(b)
	}
	return out
}

// freePort returns a TCP port free on addr now.
func freePort(t *testing.T, addr netip.Addr) int {
	t.Helper()
	l, err := net.Listen("tcp", netip.AddrPortFrom(addr, 0).String())
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}

// router is a plain GoBGP instance standing in for a top-of-rack router:
// it listens on its address and accepts the nodes configured as its
// neighbours.
type router struct {
	s    *server.BgpServer
	addr netip.Addr
	port int
	asn  uint32
}

func newRouter(t *testing.T, addr netip.Addr, asn uint32) *router {
	t.Helper()
	return newRouterOn(t, addr, freePort(t, addr), asn)
}

// newRouterOn is newRouter listening on port.
func newRouterOn(t *testing.T, addr netip.Addr, port int, asn uint32) *router {
	t.Helper()
	r := &router{addr: addr, port: port, asn: asn}
	r.s = server.NewBgpServer(server.LoggerOption(testLogger(t), new(slog.LevelVar)))
	go r.s.Serve()
	id := addr
	if !id.Is4() {
		id = netip.AddrFrom4([4]byte{10, 255, 255, 1})
	}
	err := r.s.StartBgp(context.Background(), &api.StartBgpRequest{Global: &api.Global{
		Asn: asn, RouterId: id.String(), ListenPort: int32(r.port), ListenAddresses: []string{addr.String()},
	}})
	if err != nil {
		t.Fatalf("start router %v: %v", addr, err)
	}
	t.Cleanup(r.s.Stop)
	return r
}

// accept configures node (at addr, AS asn) as a passive neighbour.
func (r *router) accept(t *testing.T, addr netip.Addr, asn uint32) {
	t.Helper()
	r.acceptWith(t, addr, asn, neighbour{})
}

// neighbour is how a router configures a node beyond its address and AS.
type neighbour struct {
	gracefulRestart bool
	password        string
}

// acceptWith is accept with more settings.
func (r *router) acceptWith(t *testing.T, addr netip.Addr, asn uint32, n neighbour) {
	t.Helper()
	gr := n.gracefulRestart
	p := &api.Peer{
		Conf:      &api.PeerConf{NeighborAddress: addr.String(), PeerAsn: asn, AuthPassword: n.password},
		Transport: &api.Transport{PassiveMode: true},
		Timers:    &api.Timers{Config: &api.TimersConfig{HoldTime: 9, KeepaliveInterval: 3}},
	}
	for _, afi := range []api.Family_Afi{api.Family_AFI_IP, api.Family_AFI_IP6} {
		p.AfiSafis = append(p.AfiSafis, &api.AfiSafi{
			Config:            &api.AfiSafiConfig{Family: &api.Family{Afi: afi, Safi: api.Family_SAFI_UNICAST}, Enabled: true},
			MpGracefulRestart: &api.MpGracefulRestart{Config: &api.MpGracefulRestartConfig{Enabled: gr}},
		})
	}
	if gr {
		p.GracefulRestart = &api.GracefulRestart{Enabled: true, RestartTime: 30}
	}
	if err := r.s.AddPeer(context.Background(), &api.AddPeerRequest{Peer: p}); err != nil {
		t.Fatalf("router %v: add neighbour %v: %v", r.addr, addr, err)
	}
}

// peer is how a node configures this router.
func (r *router) peer(name string) Peer {
	return Peer{Name: name, Address: r.addr, ASN: r.asn, Port: uint16(r.port), HoldTime: 9 * time.Second, KeepaliveTime: 3 * time.Second, ConnectRetry: time.Second}
}

// route is what the router learned for one prefix.
type route struct {
	from      netip.Addr
	nextHop   netip.Addr
	comms     []uint32
	large     []LargeCommunity
	localPref uint32 // 0: none
	asPathLen int
}

func (r route) String() string {
	return fmt.Sprintf("{from %v nh %v comms %v large %v lp %d aspath %d}", r.from, r.nextHop, r.comms, r.large, r.localPref, r.asPathLen)
}

// localAges returns the age (the time GoBGP last took it in, in whole
// seconds) of every path in a's own RIB: a re-sent path gets a new one.
func localAges(t *testing.T, a *Announcer) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, fam := range []bgp.Family{bgp.RF_IPv4_UC, bgp.RF_IPv6_UC} {
		err := a.bgp.ListPath(apiutil.ListPathRequest{TableType: api.TableType_TABLE_TYPE_GLOBAL, Family: fam},
			func(nlri bgp.NLRI, paths []*apiutil.Path) {
				for _, p := range paths {
					out[nlri.String()] = p.Age
				}
			})
		if err != nil {
			t.Fatalf("list own paths: %v", err)
		}
	}
	return out
}

// routes returns the router's RIB for both families, by prefix.
func (r *router) routes(t *testing.T) map[netip.Prefix]route {
	t.Helper()
	out := map[netip.Prefix]route{}
	for _, fam := range []bgp.Family{bgp.RF_IPv4_UC, bgp.RF_IPv6_UC} {
		err := r.s.ListPath(apiutil.ListPathRequest{TableType: api.TableType_TABLE_TYPE_GLOBAL, Family: fam},
			func(nlri bgp.NLRI, paths []*apiutil.Path) {
				pfx, err := netip.ParsePrefix(nlri.String())
				if err != nil {
					t.Errorf("router %v: prefix %q: %v", r.addr, nlri, err)
					return
				}
				for _, p := range paths {
					if p.Best {
						out[pfx] = routeOf(p)
					}
				}
			})
		if err != nil {
			t.Fatalf("router %v: list paths: %v", r.addr, err)
		}
	}
	return out
}

func routeOf(p *apiutil.Path) route {
	rt := route{from: p.PeerAddress}
	for _, a := range p.Attrs {
		switch a := a.(type) {
		case *bgp.PathAttributeNextHop:
			rt.nextHop = a.Value
		case *bgp.PathAttributeMpReachNLRI:
			rt.nextHop = a.Nexthop
		case *bgp.PathAttributeCommunities:
			rt.comms = a.Value
		case *bgp.PathAttributeLargeCommunities:
			for _, c := range a.Values {
				rt.large = append(rt.large, LargeCommunity{c.ASN, c.LocalData1, c.LocalData2})
			}
		case *bgp.PathAttributeLocalPref:
			rt.localPref = a.Value
		case *bgp.PathAttributeAsPath:
			for _, seg := range a.Value {
				rt.asPathLen += len(seg.GetAS())
			}
		}
	}
	return rt
}

// session returns the router's view of its session with addr.
func (r *router) session(t *testing.T, addr netip.Addr) Session {
	t.Helper()
	var s Session
	err := r.s.ListPeer(context.Background(), &api.ListPeerRequest{Address: addr.String()}, func(p *api.Peer) {
		s = sessionOf("", addr, p)
	})
	if err != nil {
		t.Fatalf("router %v: list peer %v: %v", r.addr, addr, err)
	}
	return s
}

// announce makes the router originate pfx, as a router sends a default
// route or its own networks to the nodes.
func (r *router) announce(t *testing.T, pfx netip.Prefix) {
	t.Helper()
	nlri, _ := bgp.NewIPAddrPrefix(pfx)
	nh, _ := bgp.NewPathAttributeNextHop(r.addr)
	_, err := r.s.AddPath(apiutil.AddPathRequest{Paths: []*apiutil.Path{{
		Family: bgp.RF_IPv4_UC, Nlri: nlri, Attrs: []bgp.PathAttributeInterface{bgp.NewPathAttributeOrigin(0), nh},
	}}})
	if err != nil {
		t.Fatalf("router %v: announce %v: %v", r.addr, pfx, err)
	}
}

// node starts an Announcer on addr that only dials.
func node(t *testing.T, addr netip.Addr, asn uint32, nh6 netip.Addr) *Announcer {
	t.Helper()
	a, err := New(context.Background(), Options{
		Logger: testLogger(t), RouterID: addr, ASN: asn, ListenPort: -1,
		NextHopIPv4: addr, NextHopIPv6: nh6,
	})
	if err != nil {
		t.Fatalf("new announcer: %v", err)
	}
	t.Cleanup(func() { _ = a.Close(false) })
	return a
}

// eventually polls cond every 20 ms until it returns "" or within passes,
// and fails with its last complaint.
func eventually(t *testing.T, within time.Duration, cond func() string) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		msg := cond()
		if msg == "" {
			return time.Since(start)
		}
		if time.Since(start) > within {
			t.Fatalf("after %v: %s", within, msg)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitEstablished waits until a's session with the peer called name is up.
func waitEstablished(t *testing.T, a *Announcer, name string, within time.Duration) time.Duration {
	t.Helper()
	return eventually(t, within, func() string {
		s := sessionByName(t, a, name)
		if s.State != Established {
			return fmt.Sprintf("session %s is %q (last error %q)", name, s.State, s.LastError)
		}
		return ""
	})
}

func sessionByName(t *testing.T, a *Announcer, name string) Session {
	t.Helper()
	ss, err := a.Sessions(context.Background())
	if err != nil {
		t.Fatalf("sessions: %v", err)
	}
	for _, s := range ss {
		if s.Peer == name {
			return s
		}
	}
	t.Fatalf("no session %s in %+v", name, ss)
	return Session{}
}

func mustSetPeers(t *testing.T, a *Announcer, peers ...Peer) {
	t.Helper()
	if err := a.SetPeers(context.Background(), peers); err != nil {
		t.Fatalf("SetPeers: %v", err)
	}
}

func mustSetPaths(t *testing.T, a *Announcer, paths ...Path) {
	t.Helper()
	if err := a.SetPaths(context.Background(), paths); err != nil {
		t.Fatalf("SetPaths: %v", err)
	}
}

// nodeASN is the test node's AS.
const nodeASN = 65001

// topology starts a node and one router per ASN, each accepting the node,
// has the node peer with all of them (peers named r1, r2, ...) and waits
// until every session is up.
func topology(t *testing.T, asns ...uint32) (*Announcer, []*router, []Peer) {
	t.Helper()
	addrs := loopbacks(len(asns) + 1)
	a := node(t, addrs[0], nodeASN, nh6)
	var routers []*router
	var peers []Peer
	for i, asn := range asns {
		r := newRouter(t, addrs[i+1], asn)
		r.accept(t, addrs[0], nodeASN)
		p := r.peer(fmt.Sprintf("r%d", i+1))
		p.SourceAddress = addrs[0]
		routers, peers = append(routers, r), append(peers, p)
	}
	mustSetPeers(t, a, peers...)
	for _, p := range peers {
		took := waitEstablished(t, a, p.Name, 10*time.Second)
		t.Logf("session %s established %v after SetPeers", p.Name, took)
	}
	return a, routers, peers
}
