package l2

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vishvananda/netns"
)

// The lab: two network namespaces, "node" (where the Announcer runs) and
// "client" (where arping and ndisc6 ask), joined by veth pairs created
// directly inside them so the host's own network is never touched. Pair i
// is node "a<i>" <-> client "b<i>", on 10.20.<i>.0/24 and fd00:20:<i>::/64,
// node .1 / ::1, client .2 / ::2, with fixed MACs.

// labTools are the commands the lab runs; hack/deps.sh installs them
// (iproute2, iputils-arping, ndisc6).
var labTools = []string{"ip", "arping", "ndisc6"}

var labSeq atomic.Int32

type lab struct {
	node, client     string // namespace names
	nodeNS, clientNS netns.NsHandle
}

type labPair struct {
	node, client       string // interface names
	nodeMAC, clientMAC net.HardwareAddr
}

func pair(i int) labPair {
	return labPair{
		node:      fmt.Sprintf("a%d", i),
		client:    fmt.Sprintf("b%d", i),
		nodeMAC:   net.HardwareAddr{0x02, 0xfa, 0, 0, 0, byte(i)},
		clientMAC: net.HardwareAddr{0x02, 0xfa, 0, 0, 1, byte(i)},
	}
}

// vip4 and vip6 are addresses in pair i's subnets that nobody configures.
func vip4(i, host int) netip.Addr { return netip.AddrFrom4([4]byte{10, 20, byte(i), byte(host)}) }
func vip6(i, host int) netip.Addr {
	return netip.MustParseAddr(fmt.Sprintf("fd00:20:%d::%x", i, host))
}

func newLab(t *testing.T, pairs int) *lab {
	t.Helper()
	for _, tool := range labTools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not found: the lab needs iproute2, iputils-arping and ndisc6 (hack/deps.sh installs them): %v", tool, err)
		}
	}
	prefix := fmt.Sprintf("farol-l2t-%d-%d", os.Getpid(), labSeq.Add(1))
	l := &lab{node: prefix + "-node", client: prefix + "-client"}
	for _, ns := range []string{l.node, l.client} {
		run(t, "ip", "netns", "add", ns)
		t.Cleanup(func() {
			if out, err := exec.Command("ip", "netns", "del", ns).CombinedOutput(); err != nil {
				t.Errorf("delete namespace %s: %v: %s", ns, err, out)
			}
		})
		// Before any interface exists, so that every one inherits it:
		// duplicate address detection would hold addresses for 2 s.
		run(t, "ip", "netns", "exec", ns, "sysctl", "-q", "-w",
			"net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0")
		run(t, "ip", "-n", ns, "link", "set", "lo", "up")
	}
	for i := range pairs {
		l.addPair(t, i)
	}
	var err error
	if l.nodeNS, err = netns.GetFromName(l.node); err != nil {
		t.Fatalf("open namespace %s: %v", l.node, err)
	}
	t.Cleanup(func() { _ = l.nodeNS.Close() })
	if l.clientNS, err = netns.GetFromName(l.client); err != nil {
		t.Fatalf("open namespace %s: %v", l.client, err)
	}
	t.Cleanup(func() { _ = l.clientNS.Close() })
	return l
}

// addPair creates veth pair i; it is also used to bring back a deleted one.
func (l *lab) addPair(t *testing.T, i int) {
	t.Helper()
	p := pair(i)
	run(t, "ip", "link", "add", p.node, "address", p.nodeMAC.String(), "netns", l.node,
		"type", "veth", "peer", "name", p.client, "address", p.clientMAC.String(), "netns", l.client)
	// Before the link is up, so that no announcement can arrive first: the
	// client learns from gratuitous ARP and unsolicited NA even without an
	// existing entry. For NA the kernel does that only on a router (RFC
	// 9131), hence forwarding.
	run(t, "ip", "netns", "exec", l.client, "sysctl", "-q", "-w",
		"net.ipv4.conf."+p.client+".arp_accept=1",
		"net.ipv6.conf."+p.client+".accept_untracked_na=1",
		"net.ipv6.conf."+p.client+".forwarding=1")
	for _, side := range []struct {
		ns, dev string
		host    int
	}{{l.node, p.node, 1}, {l.client, p.client, 2}} {
		run(t, "ip", "-n", side.ns, "addr", "add", fmt.Sprintf("10.20.%d.%d/24", i, side.host), "dev", side.dev)
		run(t, "ip", "-n", side.ns, "addr", "add", fmt.Sprintf("fd00:20:%d::%d/64", i, side.host), "dev", side.dev, "nodad")
		run(t, "ip", "-n", side.ns, "link", "set", side.dev, "up")
	}
	// The kernel applies carrier changes through linkwatch, up to a second
	// late; until then IPv6 has no link-local address and no multicast
	// route, and ndisc6 fails with "Network is unreachable".
	for _, side := range []struct{ ns, dev string }{{l.node, p.node}, {l.client, p.client}} {
		deadline := time.Now().Add(5 * time.Second)
		for !strings.Contains(run(t, "ip", "-n", side.ns, "-6", "addr", "show", "dev", side.dev, "scope", "link"), "inet6 fe80") {
			if time.Now().After(deadline) {
				t.Fatalf("%s in %s has no IPv6 link-local address after 5s", side.dev, side.ns)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// in runs fn on a fresh OS thread inside ns. The thread stays locked, so it
// is discarded when fn returns instead of going back to the scheduler in
// the wrong namespace. Sockets opened by fn stay in ns.
func in(ns netns.NsHandle, fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		if err := netns.Set(ns); err != nil {
			errc <- fmt.Errorf("enter namespace: %w", err)
			return
		}
		errc <- fn()
	}()
	return <-errc
}

// announcer starts an Announcer in the node namespace, closed at cleanup.
func (l *lab) announcer(t *testing.T, o Options) *Announcer {
	t.Helper()
	if o.Logger == nil {
		o.Logger = testLogger(t)
	}
	var a *Announcer
	if err := in(l.nodeNS, func() error { a = New(o); return nil }); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := a.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return a
}

// set calls SetDesired from the node namespace, as the speaker would from
// its own.
func (l *lab) set(a *Announcer, want map[netip.Addr][]string) error {
	return in(l.nodeNS, func() error { return a.SetDesired(want) })
}

func (l *lab) mustSet(t *testing.T, a *Announcer, want map[netip.Addr][]string) {
	t.Helper()
	if err := l.set(a, want); err != nil {
		t.Fatalf("SetDesired(%v): %v", want, err)
	}
}

var arpingReply = regexp.MustCompile(`reply from (\S+) \[([0-9A-Fa-f:]+)\]\s+([0-9.]+)ms`)

// arping asks for vip from the client side of dev and returns the MACs that
// answered, lower-case, and the round trip of the first answer. With wait > 0
// it is `arping -c 1 -w wait`, which returns at the first reply; with wait 0
// it is `arping -c 1`, which listens a full second and so also shows
// duplicate replies.
func (l *lab) arping(t *testing.T, dev string, vip netip.Addr, wait int) ([]string, time.Duration) {
	t.Helper()
	args := []string{"netns", "exec", l.client, "arping", "-c", "1", "-I", dev, vip.String()}
	if wait > 0 {
		args = append(args, "-w", fmt.Sprint(wait))
	}
	out, _ := exec.Command("ip", args...).CombinedOutput()
	var macs []string
	var rtt time.Duration
	for _, m := range arpingReply.FindAllStringSubmatch(string(out), -1) {
		macs = append(macs, strings.ToLower(m[2]))
		if rtt == 0 {
			d, _ := time.ParseDuration(m[3] + "ms")
			rtt = d
		}
	}
	if macs == nil && !strings.Contains(string(out), "Received 0 response") {
		t.Fatalf("arping output not understood:\n%s", out)
	}
	return macs, rtt
}

var ndiscReply = regexp.MustCompile(`Target link-layer address: ([0-9A-Fa-f:]+)`)

// ndisc6 solicits vip from the client side of dev (one attempt of waitMS)
// and returns the answering MACs, lower-case. With all it waits the full
// time and reports every answer, duplicates included.
func (l *lab) ndisc6(t *testing.T, dev string, vip netip.Addr, waitMS int, all bool) []string {
	t.Helper()
	args := []string{"netns", "exec", l.client, "ndisc6", "-n", "-r", "1", "-w", fmt.Sprint(waitMS)}
	if all {
		args = append(args, "-m")
	}
	out, _ := exec.Command("ip", append(args, vip.String(), dev)...).CombinedOutput()
	var macs []string
	for _, m := range ndiscReply.FindAllStringSubmatch(string(out), -1) {
		macs = append(macs, strings.ToLower(m[1]))
	}
	if macs == nil && (!strings.Contains(string(out), "Timed out") || strings.Contains(string(out), "Sending ICMPv6 packet")) {
		t.Fatalf("ndisc6 output not understood:\n%s", out)
	}
	return macs
}

// neighbour returns the client kernel's MAC for vip on dev, "" if it has
// none (no entry, or one still resolving or failed).
func (l *lab) neighbour(t *testing.T, dev string, vip netip.Addr) string {
	t.Helper()
	out := run(t, "ip", "-n", l.client, "neigh", "show", vip.String(), "dev", dev)
	f := strings.Fields(out)
	for i := range f {
		if f[i] == "lladdr" && i+1 < len(f) {
			return strings.ToLower(f[i+1])
		}
	}
	return ""
}

// waitNeighbour polls the client's neighbour table until vip on dev maps to
// mac, and returns how long that took.
func (l *lab) waitNeighbour(t *testing.T, dev string, vip netip.Addr, mac net.HardwareAddr, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		got := l.neighbour(t, dev, vip)
		if got == mac.String() {
			return time.Since(start)
		}
		if time.Since(start) > within {
			t.Fatalf("client neighbour entry for %s on %s = %q after %v, want %s", vip, dev, got, within, mac)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (l *lab) flushNeighbours(t *testing.T, dev string) {
	t.Helper()
	run(t, "ip", "-n", l.client, "neigh", "flush", "dev", dev)
}

// poke makes the client kernel resolve vip itself, by sending it a UDP
// datagram nobody will receive.
func (l *lab) poke(t *testing.T, vip netip.Addr) {
	t.Helper()
	err := in(l.clientNS, func() error {
		var d net.Dialer
		c, err := d.DialContext(context.Background(), "udp", netip.AddrPortFrom(vip, 9).String())
		if err != nil {
			return err
		}
		defer c.Close()
		_, err = c.Write([]byte("x"))
		return err
	})
	if err != nil {
		t.Fatalf("send to %s from the client: %v", vip, err)
	}
}

// testLogger sends the Announcer's logs to the test's output.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

var _ io.Writer = testWriter{}

// only is a desired set of a single address on the named interfaces.
func only(addr netip.Addr, ifaces ...string) map[netip.Addr][]string {
	return map[netip.Addr][]string{addr: ifaces}
}

// labOptions are Defaults with the background resync off unless a test
// wants it, so that tests decide when interfaces are re-read.
func labOptions() Options {
	o := Defaults()
	o.ResyncInterval = -1
	return o
}

// answerOnly are labOptions without unsolicited announcements, so that
// every packet the client sees is an answer to its own question.
func answerOnly() Options {
	o := labOptions()
	o.GratuitousCount = -1
	o.RefreshInterval = -1
	return o
}
