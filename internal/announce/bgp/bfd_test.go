package bgp

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	api "github.com/osrg/gobgp/v4/api"
	"github.com/osrg/gobgp/v4/pkg/apiutil"
	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
	"github.com/osrg/gobgp/v4/pkg/server"
)

// GoBGP's BFD listens on UDP port 3784 of every address of its network
// namespace, and GoBGP's goroutines open their sockets wherever the runtime
// schedules them, so each side of a BFD test is a child process — this test
// binary again — started inside a namespace of its own. roleEnv tells a
// child which side it is.
const (
	roleEnv    = "FAROL_BGP_TEST_ROLE"
	dynamicEnv = "FAROL_BGP_TEST_DYNAMIC"
)

var (
	bfdNodeIP   = netip.MustParseAddr("10.30.0.1")
	bfdRouterIP = netip.MustParseAddr("10.30.0.2")
	// 300 ms × 3, not the 100 ms × 3 the lab aims at: on this 2-core
	// machine under other people's load, 100 ms × 3 expired now and then
	// without any disruption (a 300 ms scheduling stall), which is not the
	// bug this test is about.
	bfdTimers = BFD{Enabled: true, MinRx: 300 * time.Millisecond, MinTx: 300 * time.Millisecond, Multiplier: 3}
)

func TestMain(m *testing.M) {
	switch os.Getenv(roleEnv) {
	case "node":
		os.Exit(runBFDNode())
	case "router":
		os.Exit(runBFDRouter(os.Getenv(dynamicEnv) != ""))
	}
	os.Exit(m.Run())
}

// sessionLine is what the node child reports on every change.
type sessionLine struct {
	State, BFD, LastError string
	Since                 time.Time
}

// runBFDNode runs an Announcer with a BFD-watched session to the router and
// prints its session on stdout whenever it changes, until stdin closes.
func runBFDNode() int {
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx := context.Background()
	a, err := New(ctx, Options{Logger: log, RouterID: bfdNodeIP, ASN: 65001, ListenPort: -1, NextHopIPv4: bfdNodeIP})
	if err != nil {
		log.Error("new", "error", err)
		return 1
	}
	defer a.Close(false)
	err = a.SetPeers(ctx, []Peer{{
		Name: "r", Address: bfdRouterIP, ASN: 65000, SourceAddress: bfdNodeIP,
		HoldTime: 9 * time.Second, KeepaliveTime: 3 * time.Second, ConnectRetry: time.Second, BFD: bfdTimers,
	}})
	if err != nil {
		log.Error("set peers", "error", err)
		return 1
	}
	var done atomic.Bool
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); done.Store(true) }()
	enc := json.NewEncoder(os.Stdout)
	var last sessionLine
	for !done.Load() {
		ss, err := a.Sessions(ctx)
		if err == nil && len(ss) == 1 {
			s := sessionLine{State: ss[0].State, BFD: ss[0].BFD, LastError: ss[0].LastError, Since: ss[0].Since}
			if s != last {
				_ = enc.Encode(s)
				last = s
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	return 0
}

// runBFDRouter runs a plain GoBGP router with BFD towards the node until
// stdin closes. dynamic makes it behave like FRR with a `bgp listen range`
// neighbour, the case of gobgp#3561: its BFD session exists only while the
// BGP session is established.
func runBFDRouter(dynamic bool) int {
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx := context.Background()
	s := server.NewBgpServer(server.LoggerOption(log, new(slog.LevelVar)))
	go s.Serve()
	defer s.Stop()
	err := s.StartBgp(ctx, &api.StartBgpRequest{Global: &api.Global{
		Asn: 65000, RouterId: bfdRouterIP.String(), ListenPort: bgpPort, ListenAddresses: []string{bfdRouterIP.String()},
	}})
	if err != nil {
		log.Error("start", "error", err)
		return 1
	}
	peer := func(withBFD bool) *api.Peer {
		p := &api.Peer{
			Conf:      &api.PeerConf{NeighborAddress: bfdNodeIP.String(), PeerAsn: 65001},
			Transport: &api.Transport{PassiveMode: true},
			Timers:    &api.Timers{Config: &api.TimersConfig{HoldTime: 9, KeepaliveInterval: 3, IdleHoldTimeAfterReset: 1}},
		}
		if withBFD {
			p.Bfd = &api.BfdPeerConfig{
				Enabled:                  true,
				DesiredMinimumTxInterval: micros(bfdTimers.MinTx),
				RequiredMinimumReceive:   micros(bfdTimers.MinRx),
				DetectionMultiplier:      uint32(bfdTimers.Multiplier),
			}
		}
		return p
	}
	if err := s.AddPeer(ctx, &api.AddPeerRequest{Peer: peer(!dynamic)}); err != nil {
		log.Error("add peer", "error", err)
		return 1
	}
	if dynamic {
		states := make(chan bool, 64)
		err := s.WatchEvent(ctx, server.WatchEventMessageCallbacks{
			OnPeerUpdate: func(e *apiutil.WatchEventMessage_PeerEvent, _ time.Time) {
				if e.Type == apiutil.PEER_EVENT_STATE {
					states <- e.Peer.State.SessionState == bgp.BGP_FSM_ESTABLISHED
				}
			},
		}, server.WatchPeer())
		if err != nil {
			log.Error("watch", "error", err)
			return 1
		}
		go func() {
			bfdOn := false
			for up := range states {
				if up != bfdOn {
					if _, err := s.UpdatePeer(ctx, &api.UpdatePeerRequest{Peer: peer(up)}); err != nil {
						log.Error("update peer", "error", err)
					}
					bfdOn = up
				}
			}
		}()
	}
	// "reset" on stdin resets the session from the router's side, as
	// `clear bgp` on a router does; EOF ends the router.
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		if sc.Text() == "reset" {
			err := s.ResetPeer(ctx, &api.ResetPeerRequest{Address: bfdNodeIP.String(), Communication: "test reset"})
			if err != nil {
				log.Error("reset", "error", err)
			}
		}
	}
	return 0
}

// bfdLab is two namespaces joined by a veth pair, node and router.
type bfdLab struct{ node, router string }

func newBFDLab(t *testing.T) bfdLab {
	t.Helper()
	prefix := fmt.Sprintf("farol-bgpt-%d-%d", os.Getpid(), testSeq.Add(1))
	l := bfdLab{node: prefix + "-n", router: prefix + "-r"}
	for _, ns := range []string{l.node, l.router} {
		sh(t, "ip", "netns", "add", ns)
		t.Cleanup(func() {
			if out, err := exec.Command("ip", "netns", "del", ns).CombinedOutput(); err != nil {
				t.Errorf("delete namespace %s: %v: %s", ns, err, out)
			}
		})
		sh(t, "ip", "-n", ns, "link", "set", "lo", "up")
	}
	sh(t, "ip", "link", "add", "eth0", "netns", l.node, "type", "veth", "peer", "name", "eth0", "netns", l.router)
	for ns, addr := range map[string]netip.Addr{l.node: bfdNodeIP, l.router: bfdRouterIP} {
		sh(t, "ip", "-n", ns, "addr", "add", addr.String()+"/24", "dev", "eth0")
		sh(t, "ip", "-n", ns, "link", "set", "eth0", "up")
	}
	return l
}

func sh(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v: %s", name, strings.Join(args, " "), err, out)
	}
}

// start runs this test binary in role inside ns, and returns its stdin and
// stdout. The child ends when the test does: its stdin closes.
func (l bfdLab) start(t *testing.T, ns, role string, env ...string) (io.Writer, io.Reader) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("ip", "netns", "exec", ns, self)
	cmd.Env = append(os.Environ(), append(env, roleEnv+"="+role)...)
	cmd.Stderr = testWriter{t}
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s in %s: %v", role, ns, err)
	}
	t.Cleanup(func() {
		stdin.Close()
		done := make(chan struct{})
		go func() {
			// The child's exit status tells nothing the session log
			// did not; its stderr is in the test log.
			_ = cmd.Wait()
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	return stdin, stdout
}

// cut drops every packet in and out of the router's namespace, as a dead
// link does without telling anyone; heal undoes it.
func (l bfdLab) cut(t *testing.T) {
	t.Helper()
	sh(t, "ip", "netns", "exec", l.router, "nft", "add table inet cut; "+
		"add chain inet cut in { type filter hook input priority 0; policy drop; }; "+
		"add chain inet cut out { type filter hook output priority 0; policy drop; }")
}

func (l bfdLab) heal(t *testing.T) {
	t.Helper()
	sh(t, "ip", "netns", "exec", l.router, "nft", "delete table inet cut")
}

// sessionLog collects the node child's session lines with when they came.
type sessionLog struct {
	mu    sync.Mutex
	lines []sessionLine
	at    []time.Time
}

func (s *sessionLog) read(r io.Reader) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		var l sessionLine
		if json.Unmarshal(sc.Bytes(), &l) == nil {
			s.mu.Lock()
			s.lines, s.at = append(s.lines, l), append(s.at, time.Now())
			s.mu.Unlock()
		}
	}
}

// dump logs every line from the start, with its time relative to t0.
func (s *sessionLog) dump(t *testing.T, t0 time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, l := range s.lines {
		t.Logf("%+8.3fs %s bfd=%s since=%s %s", s.at[i].Sub(t0).Seconds(), l.State, l.BFD, l.Since.Format("15:04:05"), l.LastError)
	}
}

// last returns the newest line and how many lines came after from.
func (s *sessionLog) since(from time.Time) (last sessionLine, changes []sessionLine) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, at := range s.at {
		if at.After(from) {
			changes = append(changes, s.lines[i])
		}
	}
	if len(s.lines) > 0 {
		last = s.lines[len(s.lines)-1]
	}
	return last, changes
}

// gobgp#3561: after a BFD expiry the session must come back once the
// disruption ends and then stay up, here for 60 s. The router either keeps
// its BFD session (static) or, like FRR for a `bgp listen range` neighbour,
// has one only while the BGP session is established (dynamic): there a BFD
// expiry while the BGP session is already down leaves a stale reset in
// GoBGP v4.8.0 that kills the next session right after it establishes.
func TestBFDRecoversAfterExpiry(t *testing.T) {
	cut := func(t *testing.T, l bfdLab, _ io.Writer, log *sessionLog) {
		l.cut(t)
		at := time.Now()
		t.Logf("session down %v after the cut", eventually(t, 5*time.Second, func() string {
			if s, _ := log.since(time.Time{}); s.State == Established {
				return "session still established"
			}
			return ""
		}))
		time.Sleep(3*time.Second - time.Since(at))
		l.heal(t)
	}
	reset := func(t *testing.T, _ bfdLab, router io.Writer, _ *sessionLog) {
		if _, err := io.WriteString(router, "reset\n"); err != nil {
			t.Fatal(err)
		}
	}
	for name, tc := range map[string]struct {
		dynamic bool
		disrupt func(*testing.T, bfdLab, io.Writer, *sessionLog)
	}{
		"link cut, static router":       {false, cut},
		"link cut, dynamic router":      {true, cut},
		"router resets, dynamic router": {true, reset},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			l := newBFDLab(t)
			var env []string
			if tc.dynamic {
				env = append(env, dynamicEnv+"=1")
			}
			router, _ := l.start(t, l.router, "router", env...)
			log := &sessionLog{}
			_, out := l.start(t, l.node, "node")
			go log.read(out)
			up := func() string {
				if s, _ := log.since(time.Time{}); s.State != Established || s.BFD != "up" {
					return fmt.Sprintf("session %+v, want established with BFD up", s)
				}
				return ""
			}
			t.Logf("established with BFD up after %v", eventually(t, 20*time.Second, up))
			t0 := time.Now()
			before, _ := log.since(time.Time{})
			t.Cleanup(func() {
				if t.Failed() {
					log.dump(t, t0)
				}
			})
			tc.disrupt(t, l, router, log)
			t.Logf("established with BFD up %v after the disruption ended", eventually(t, 30*time.Second, func() string {
				if _, changes := log.since(t0); len(changes) == 0 {
					return "the disruption changed nothing"
				}
				return up()
			}))
			stable := time.Now()
			time.Sleep(60 * time.Second)
			last, changes := log.since(stable)
			if len(changes) > 0 || up() != "" {
				t.Fatalf("session did not stay up for 60 s: %d changes, now %+v", len(changes), last)
			}
			// One new session, not one killed right after it came up
			// and then another (the signature of gobgp#3561).
			_, after := log.since(t0)
			sessions := map[time.Time]bool{}
			for _, l := range after {
				if !l.Since.IsZero() && !l.Since.Equal(before.Since) {
					sessions[l.Since] = true
				}
			}
			if len(sessions) != 1 {
				t.Fatalf("%d sessions established after the disruption, want 1", len(sessions))
			}
		})
	}
}
