package bgp

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// An eBGP session with a router comes up, and the Session reports it.
func TestSessionEstablishes(t *testing.T) {
	a, rs, _ := topology(t, 65000)
	s := sessionByName(t, a, "r1")
	if s.Address != rs[0].addr || s.Since.IsZero() {
		t.Fatalf("session = %+v", s)
	}
}

// A session the router refuses never establishes, and the Session says why.
func TestSessionRefusedSaysWhy(t *testing.T) {
	addrs := loopbacks(2)
	r := newRouter(t, addrs[1], 65000)
	r.accept(t, addrs[0], nodeASN)
	a := node(t, addrs[0], nodeASN+1, nh6) // not the AS the router expects
	p := r.peer("r1")
	p.SourceAddress = addrs[0]
	mustSetPeers(t, a, p)
	eventually(t, 10*time.Second, func() string {
		if s := sessionByName(t, a, "r1"); s.LastError == "" {
			return fmt.Sprintf("session %+v has no last error", s)
		}
		return ""
	})
	s := sessionByName(t, a, "r1")
	if s.State == Established {
		t.Fatalf("session established with the wrong AS: %+v", s)
	}
	t.Logf("last error: %q", s.LastError)
}

// TCP MD5: the right password establishes, a wrong one never does.
func TestSessionPassword(t *testing.T) {
	for name, tc := range map[string]struct {
		password string
		up       bool
	}{"right": {"s3cret", true}, "wrong": {"guess", false}} {
		t.Run(name, func(t *testing.T) {
			addrs := loopbacks(2)
			r := newRouter(t, addrs[1], 65000)
			r.acceptWith(t, addrs[0], nodeASN, neighbour{password: "s3cret"})
			a := node(t, addrs[0], nodeASN, nh6)
			p := r.peer("r1")
			p.SourceAddress, p.Password = addrs[0], tc.password
			mustSetPeers(t, a, p)
			if tc.up {
				waitEstablished(t, a, "r1", 10*time.Second)
				return
			}
			// The router drops the unsigned SYNs without an answer: the
			// status can only say that connecting times out, and what
			// that usually means.
			want := fmt.Sprintf("no TCP connection to %v:%d (", r.addr, r.port)
			eventually(t, 15*time.Second, func() string {
				if s := sessionByName(t, a, "r1"); !strings.HasPrefix(s.LastError, want) || !strings.Contains(s.LastError, "time out") {
					return fmt.Sprintf("last error %q", s.LastError)
				}
				return ""
			})
			first := sessionByName(t, a, "r1")
			time.Sleep(5 * time.Second) // more attempts
			if s := sessionByName(t, a, "r1"); s.State == Established || s.LastError != first.LastError {
				t.Fatalf("established with a wrong password, or its last error changed with another attempt: %+v, then %+v", first, s)
			}
			t.Logf("last error: %q", first.LastError)
		})
	}
}

// A router that is not there: every dial is refused, and the Session says
// so, with the same text after each attempt. A changed peer starts
// afresh; and once a connection opens, what ends the session is the news
// (here the router expects another AS), not the old dial error.
func TestSessionUnreachableSaysWhy(t *testing.T) {
	addrs := loopbacks(2)
	port := freePort(t, addrs[1]) // nobody listens yet
	a := node(t, addrs[0], nodeASN, nh6)
	p := Peer{Name: "r1", Address: addrs[1], ASN: 65000, Port: uint16(port), HoldTime: 9 * time.Second,
		KeepaliveTime: 3 * time.Second, ConnectRetry: time.Second, SourceAddress: addrs[0]}
	mustSetPeers(t, a, p)
	refused := func() string {
		if s := sessionByName(t, a, "r1"); !strings.Contains(s.LastError, "refuses the connection") {
			return fmt.Sprintf("last error %q", s.LastError)
		}
		return ""
	}
	eventually(t, 15*time.Second, refused)
	p.HoldTime = 12 * time.Second
	mustSetPeers(t, a, p)
	if s := sessionByName(t, a, "r1"); s.LastError != "" {
		t.Fatalf("a changed peer still says %q", s.LastError)
	}
	eventually(t, 15*time.Second, refused)

	r := newRouterOn(t, addrs[1], port, 65000)
	r.accept(t, addrs[0], nodeASN+1) // not the node's AS
	eventually(t, 15*time.Second, func() string {
		if s := sessionByName(t, a, "r1"); s.LastError == "" || strings.Contains(s.LastError, "TCP connection") {
			return fmt.Sprintf("last error %q", s.LastError)
		}
		return ""
	})
	t.Logf("last error: %q", sessionByName(t, a, "r1").LastError)
}

// An IPv6 session carries IPv4 and IPv6 prefixes, each with the node's
// next hop of its family.
func TestIPv6Session(t *testing.T) {
	lo6 := netip.IPv6Loopback()
	r := newRouter(t, lo6, 65000)
	r.accept(t, lo6, nodeASN)
	// Not a loopback address: GoBGP refuses an IPv4 loopback next hop on a
	// session that is not on IPv4 loopback.
	v4 := netip.MustParseAddr("192.0.2.7")
	a, err := New(context.Background(), Options{
		Logger: testLogger(t), RouterID: v4, ASN: nodeASN, ListenPort: -1, NextHopIPv4: v4, NextHopIPv6: nh6,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close(false) })
	p := r.peer("r1")
	p.SourceAddress = lo6
	mustSetPeers(t, a, p)
	waitEstablished(t, a, "r1", 10*time.Second)
	mustSetPaths(t, a, Path{Prefix: host4}, Path{Prefix: host6})
	wantRoutes(t, r, map[netip.Prefix]route{
		host4: {from: lo6, nextHop: v4, asPathLen: 1},
		host6: {from: lo6, nextHop: nh6, asPathLen: 1},
	}, 5*time.Second)
}

// SetPeers leaves a peer whose configuration did not change alone (same TCP
// connection, same establishment time) while other peers come and go, and
// re-creates a peer whose configuration changed.
func TestSetPeersResetsOnlyChangedPeers(t *testing.T) {
	a, rs, ps := topology(t, 65000, 65002)
	r1, p1, p2 := rs[0], ps[0], ps[1]
	local := a.opts.RouterID
	mustSetPeers(t, a, p1)
	mustSetPaths(t, a, Path{Prefix: netip.MustParsePrefix("198.51.100.1/32")})
	conn := tcpConn(t, local, netip.AddrPortFrom(r1.addr, uint16(r1.port)))
	since := sessionByName(t, a, "r1").Since

	mustSetPeers(t, a, p1, p2) // another peer comes back
	waitEstablished(t, a, "r2", 10*time.Second)
	mustSetPaths(t, a) // and a path withdrawn: a Service change
	mustSetPeers(t, a, p2, p1)
	time.Sleep(1100 * time.Millisecond) // Since has a resolution of one second
	if got := tcpConn(t, local, netip.AddrPortFrom(r1.addr, uint16(r1.port))); got != conn {
		t.Fatalf("unchanged peer's connection changed: from port %d to %d", conn, got)
	}
	if s := sessionByName(t, a, "r1"); s.State != Established || !s.Since.Equal(since) {
		t.Fatalf("unchanged peer's session reset: %+v, established before at %v", s, since)
	}

	p1.HoldTime = 6 * time.Second
	mustSetPeers(t, a, p1, p2)
	eventually(t, 10*time.Second, func() string {
		s := sessionByName(t, a, "r1")
		if s.State != Established || s.Since.Equal(since) {
			return "changed peer's session was not re-established: " + s.State
		}
		return ""
	})
	if got := tcpConn(t, local, netip.AddrPortFrom(r1.addr, uint16(r1.port))); got == conn {
		t.Fatalf("changed peer still on its old connection (port %d)", conn)
	}
}

// tcpConn returns the local port of the established IPv4 TCP connection
// from local to remote, from /proc/net/tcp; 0 if there is none.
func tcpConn(t *testing.T, local netip.Addr, remote netip.AddrPort) int {
	t.Helper()
	f, err := os.Open("/proc/net/tcp")
	if err != nil {
		t.Fatalf("read TCP connections: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 4 || fields[3] != "01" { // ESTABLISHED
			continue
		}
		l, lerr := procAddr(fields[1])
		r, rerr := procAddr(fields[2])
		if lerr == nil && rerr == nil && l.Addr() == local && r == remote {
			return int(l.Port())
		}
	}
	return 0
}

// procAddr parses /proc/net/tcp's "0100007F:1F90": the address in host
// (little-endian) byte order, the port in hex.
func procAddr(s string) (netip.AddrPort, error) {
	host, port, _ := strings.Cut(s, ":")
	b, err := hex.DecodeString(host)
	if err != nil || len(b) != 4 {
		return netip.AddrPort{}, strconv.ErrSyntax
	}
	var a [4]byte
	binary.BigEndian.PutUint32(a[:], binary.LittleEndian.Uint32(b))
	p, err := strconv.ParseUint(port, 16, 16)
	if err != nil {
		return netip.AddrPort{}, err
	}
	return netip.AddrPortFrom(netip.AddrFrom4(a), uint16(p)), nil
}
