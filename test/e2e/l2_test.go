package e2e

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	eventsv1 "k8s.io/api/events/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/farol-lb/farol/internal/election"
	"github.com/farol-lb/farol/test/gen"
)

// TestL2IPv4: exactly one node answers ARP for the address, and the client
// reaches a backend through that node's kube-proxy.
func TestL2IPv4(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.pool()
	vip := w.service("web", nil)[0]
	w.eventually("one MAC answers ARP for "+vip.String(), 15*time.Second, func() string {
		if macs := w.arping(vip); len(macs) != 1 {
			return fmt.Sprintf("answers from %v", macs)
		}
		return ""
	})
	owner := w.macOf(w.arping(vip)[0])
	w.eventually("announcing annotation", 10*time.Second, func() string {
		if got := w.announcing("web", vip); !strings.HasPrefix(got, owner+"/") {
			return fmt.Sprintf("annotation %q, ARP says %s", got, owner)
		}
		return ""
	})
	body := w.waitCurl(vip)
	t.Logf("%s answered by %s: %s", vip, owner, strings.TrimSpace(body))
}

// TestL2IPv6: the same over NDP and IPv6.
func TestL2IPv6(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.pool()
	vip := w.service("web6", []gen.ServiceOption{gen.IPv6Only()})[0]
	if !vip.Is6() {
		t.Fatalf("got %s, want IPv6", vip)
	}
	w.eventually("one MAC answers NDP for "+vip.String(), 15*time.Second, func() string {
		if macs := w.ndisc(vip); len(macs) != 1 {
			return fmt.Sprintf("answers from %v", macs)
		}
		return ""
	})
	w.waitCurl(vip)
	out, _ := w.lab.Client.Command(w.ctx, "ip", "-6", "neigh", "show", vip.String()).CombinedOutput()
	if macs := macsIn(string(out)); len(macs) != 1 {
		t.Fatalf("client neighbour table for %s: %s", vip, out)
	}
}

// TestGracefulStopLosesNothing: stopping the owner's speaker with SIGTERM
// while the client sends a request every 20 ms fails none of them, even
// though the old node's link is cut the moment its speaker has exited: the
// speaker must not go quiet before its successor has claimed the address.
func TestGracefulStopLosesNothing(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.pool()
	vip := w.service("web", nil)[0]
	owner, res := w.handOver("web", vip, func(owner string) {
		if err := w.speakers[owner].Stop(5 * time.Second); err != nil {
			t.Logf("stop: %v", err)
		}
	})
	if res.failed > 0 {
		t.Fatalf("%d of %d requests failed during the graceful handover (gaps %v)", res.failed, res.total, res.gaps)
	}
	t.Logf("graceful stop of %s: %d requests, none failed", owner, res.total)
}

// TestLocalTraffic: with externalTrafficPolicy Local only nodes with a ready
// local endpoint announce, the backend sees the client's address, and
// moving the endpoint moves the owner.
func TestLocalTraffic(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.pool()
	vip := w.service("local", []gen.ServiceOption{gen.Local()}, "node-2")[0]
	if got := w.waitOwner(vip); got != "node-2" {
		t.Fatalf("owner %s, want node-2 (the only node with an endpoint)", got)
	}
	w.eventually("curl keeps the client's address", 15*time.Second, func() string {
		body, err := w.lab.Curl(w.ctx, w.url(vip))
		if err != nil {
			return err.Error()
		}
		if !strings.Contains(body, w.lab.Client.IPv4.String()) {
			return "backend saw " + body
		}
		return ""
	})
	w.backends("local", "node-3")
	w.eventually("owner moves to node-3", 15*time.Second, func() string {
		if got := w.currentOwner(vip); got != "node-3" {
			return "owner " + got
		}
		return ""
	})
}

// TestExclusionAndSelectors: excluded nodes, nodeSelector and interfaces.
func TestExclusionAndSelectors(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.pool(func(a *l2adv) {
		a.Spec.NodeSelector = &metaLabelSelector{MatchLabels: map[string]string{"farol-test/announce": "yes"}}
		a.Spec.Interfaces = []string{"eth0"}
	})
	for _, n := range []string{"node-1", "node-2"} {
		w.label(n, "farol-test/announce", "yes")
	}
	w.label("node-1", "node.kubernetes.io/exclude-from-external-load-balancers", "")
	vip := w.service("sel", nil)[0]
	if got := w.waitOwner(vip); got != "node-2" {
		t.Fatalf("owner %s, want node-2 (node-1 excluded, node-3 not selected)", got)
	}
	if got := w.announcing("sel", vip); got != "node-2/eth0" {
		t.Fatalf("announcing %q, want node-2/eth0", got)
	}
	// Nobody selected: the Service says why.
	w.label("node-2", "farol-test/announce", "no")
	w.eventually("nobody answers", 10*time.Second, func() string {
		if macs := w.arping(vip); len(macs) != 0 {
			return fmt.Sprintf("answers from %v", macs)
		}
		return ""
	})
	w.eventually("a NotAnnounced event", 10*time.Second, func() string {
		var list eventsv1.EventList
		if err := w.c.List(w.ctx, &list, client.InNamespace(w.ns)); err != nil {
			return err.Error()
		}
		for _, ev := range list.Items {
			if ev.Regarding.Name == "sel" && ev.Reason == "NotAnnounced" && strings.Contains(ev.Note, "L2Advertisement lab") {
				return ""
			}
		}
		return fmt.Sprintf("%d events, none NotAnnounced naming the advertisement", len(list.Items))
	})
}

// TestCordonHandsOver: cordoning the owner moves its address to another
// node without failing a request, as a graceful stop does; the old node's
// link is cut the moment it stops answering ARP.
func TestCordonHandsOver(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.pool()
	vip := w.service("web", nil)[0]
	owner, res := w.handOver("web", vip, func(owner string) {
		w.cordon(owner)
		mac := w.node(owner).MAC.String()
		w.eventually(owner+" stops answering", 10*time.Second, func() string {
			macs, err := w.arpAnswers(vip, 30*time.Millisecond)
			if err != nil {
				return err.Error()
			}
			if slices.Contains(macs, mac) {
				return "still answering"
			}
			return ""
		})
	})
	if res.failed > 0 {
		t.Fatalf("%d of %d requests failed while %s was cordoned (gaps %v)", res.failed, res.total, owner, res.gaps)
	}
}

// handOver runs act on the owner of vip while the client sends a request
// every 20 ms; act returns once the old owner is quiet. The successor's
// speaker is frozen for the first 300 ms, so it cannot claim the address
// then: an old owner that went quiet within that time did not wait for its
// successor, and the test fails. Then the old owner's link is cut, so that
// only a successor that already took over keeps the requests going. It
// checks that the client's neighbour entry names the successor and returns
// the old owner and what the client saw.
func (w *world) handOver(svc string, vip netip.Addr, act func(owner string)) (string, probeSummary) {
	w.t.Helper()
	owner := w.waitOwner(vip)
	// Backends only on the other nodes: the cut must test the hand-over,
	// not kube-proxy sending a share of the requests to a node that is gone.
	var others []string
	for _, n := range w.lab.Nodes {
		if n.Name != owner {
			others = append(others, n.Name)
		}
	}
	w.backends(svc, others...)
	// kube-proxy syncs at most once a second: wait until no request
	// reaches a backend on the old owner any more.
	w.eventually("no backend on "+owner+" in use", 10*time.Second, func() string {
		for range 20 {
			body, err := w.lab.Curl(w.ctx, w.url(vip))
			if err != nil {
				return err.Error()
			}
			if strings.HasPrefix(body, "backend "+owner+" ") {
				return "answered by " + strings.TrimSpace(body)
			}
		}
		return ""
	})
	owner, probe := w.probeThroughOwner(vip, 20*time.Millisecond)
	succ := w.successor(vip, owner)
	if err := w.speakers[succ].Pause(); err != nil {
		w.t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		act(owner)
	}()
	time.Sleep(300 * time.Millisecond)
	select {
	case <-done:
		w.t.Errorf("%s went quiet while its successor %s was frozen and could not have claimed %s", owner, succ, vip)
	default:
	}
	if err := w.speakers[succ].Resume(); err != nil {
		w.t.Fatal(err)
	}
	<-done
	w.neighbourNotOn(vip, owner, "as soon as the old owner went quiet")
	if err := w.node(owner).LinkDown(); err != nil {
		w.t.Fatal(err)
	}
	cut := time.Now()
	time.Sleep(time.Second)
	res := probe.stop()
	if res.failed > 0 {
		w.t.Logf("failures relative to the cut: %s", probe.failuresAround(cut))
	}
	w.neighbourNotOn(vip, owner, "a second after the cut")
	if res.total < 40 {
		w.t.Errorf("only %d requests in the probe; the loop did not run every 20 ms", res.total)
	}
	return owner, res
}

// successor is the node that takes vip over when owner leaves, all nodes
// being candidates.
func (w *world) successor(vip netip.Addr, owner string) string {
	var names []string
	for _, n := range w.lab.Nodes {
		names = append(names, n.Name)
	}
	ranked := election.NewRing(names).Ranked(vip, nil, 2)
	if len(ranked) != 2 || ranked[0] != owner {
		w.t.Fatalf("ring ranks %v for %s, but %s answers", ranked, vip, owner)
	}
	return ranked[1]
}

// neighbourNotOn checks that the client's neighbour entry for vip names a
// node of the lab other than old.
func (w *world) neighbourNotOn(vip netip.Addr, old, when string) {
	w.t.Helper()
	out, _ := w.lab.Client.Command(w.ctx, "ip", "neigh", "show", vip.String()).CombinedOutput()
	macs := macsIn(string(out))
	if len(macs) != 1 || w.macOf(macs[0]) == old || strings.HasPrefix(w.macOf(macs[0]), "unknown") {
		w.t.Errorf("%s, the client's neighbour entry for %s is %q; want a node other than %s", when, vip, strings.TrimSpace(string(out)), old)
	}
}
