package lab

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// podIP is the k-th address of a pod range.
func podIP(p netip.Prefix, k int) netip.Addr {
	a := p.Addr()
	for range k {
		a = a.Next()
	}
	return a
}

func TestNetwork(t *testing.T) {
	begin := time.Now()
	l := StartT(t, Options{NoKubeProxy: true})
	t.Logf("lab without kube-proxy up in %s", since(begin))
	ctx := t.Context()

	// Reachable means a reply to any of three echoes: once, in a full run
	// on a loaded machine, the single IPv6 echo between fresh namespaces
	// got no reply although routes and neighbours were right, which says
	// nothing about the routes this test checks.
	ping := func(from *Host, args ...string) error {
		out, err := from.Command(ctx, "ping", append([]string{"-c", "3", "-i", "0.2", "-W", "2"}, args...)...).CombinedOutput()
		if err != nil {
			return errors.New(string(out))
		}
		return nil
	}
	for _, n := range l.Nodes {
		for _, a := range []netip.Addr{n.IPv4, n.IPv6} {
			if err := ping(l.Client, a.String()); err != nil {
				t.Errorf("client cannot ping %s at %s: %v", n.Name, a, err)
			}
		}
	}

	// Pod to pod across nodes: the pod routes on both sides.
	n1, n2 := l.Nodes[0], l.Nodes[1]
	for _, p := range [][2]netip.Prefix{{n1.PodCIDR4, n2.PodCIDR4}, {n1.PodCIDR6, n2.PodCIDR6}} {
		src, dst := podIP(p[0], 5), podIP(p[1], 5)
		if _, err := n1.StartBackend(src, 8080); err != nil {
			t.Fatal(err)
		}
		b, err := n2.StartBackend(dst, 8080)
		if err != nil {
			t.Fatal(err)
		}
		if err := ping(&n1.Host, "-I", src.String(), dst.String()); err != nil {
			t.Errorf("pod %s on %s cannot ping pod %s on %s: %v\n%s", src, n1.Name, dst, n2.Name, err, state(ctx, &n1.Host, &n2.Host))
		}
		got := get(t, &n1.Host, "http://"+b.Addr.String()+"/")
		if want := "backend node-2 " + dst.String() + " client "; !strings.HasPrefix(got, want) {
			t.Errorf("GET from node-1 to a pod on node-2 = %q, want it to start with %q", got, want)
		}
	}

	// The in-lab kubeconfig works from a node's namespace.
	out, err := n1.Command(ctx, filepath.Join(l.opts.BinDir, "kubectl"), "--kubeconfig", l.KubeconfigInLab, "get", "nodes", "-o", "name").CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl in node-1: %v\n%s", err, out)
	}
	if got := strings.Fields(string(out)); len(got) != len(l.Nodes) {
		t.Errorf("kubectl get nodes in node-1 = %q, want %d nodes", got, len(l.Nodes))
	}

	testProc(t, n1)
	testRouteTable(t, l)

	if err := n1.LinkDown(); err != nil {
		t.Fatal(err)
	}
	if err := ping(l.Client, "-W", "1", n1.IPv4.String()); err == nil {
		t.Errorf("client still reaches node-1 after LinkDown")
	}
	if err := n1.LinkUp(); err != nil {
		t.Fatal(err)
	}
	if err := n1.waitCarrier(ctx); err != nil {
		t.Fatal(err)
	}
	if err := ping(l.Client, n1.IPv4.String()); err != nil {
		t.Errorf("client cannot reach node-1 after LinkUp: %v", err)
	}
}

// state describes the hosts' addresses, routes and neighbours, for a
// failure message.
func state(ctx context.Context, hosts ...*Host) string {
	var b strings.Builder
	for _, h := range hosts {
		for _, args := range [][]string{{"addr"}, {"route"}, {"-6", "route"}, {"neigh"}, {"-6", "neigh"}} {
			out, _ := exec.CommandContext(ctx, "ip", append([]string{"-n", h.Netns}, args...)...).CombinedOutput()
			fmt.Fprintf(&b, "%s: ip %s:\n%s", h.Name, strings.Join(args, " "), out)
		}
	}
	return b.String()
}

// get does an HTTP GET from inside h's namespace, through DialContext.
func get(t *testing.T, h *Host, url string) string {
	t.Helper()
	tr := &http.Transport{DialContext: h.DialContext, DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 2 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s from %s: %v", url, h.Name, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s from %s: %v", url, h.Name, err)
	}
	return string(body)
}

// testProc checks that Host.Start runs even a command not built with
// Command inside the namespace, and that Pause, Resume and Stop do what
// they say.
func testProc(t *testing.T, n *Node) {
	p, err := n.Start("sleep", exec.Command("sleep", "60"))
	if err != nil {
		t.Fatal(err)
	}
	pids, err := netnsPIDs(n.Netns)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(pids, p.PID()) {
		t.Errorf("process %d not in %s, which holds %v", p.PID(), n.Netns, pids)
	}
	for _, step := range []struct {
		do    func() error
		state byte
	}{{p.Pause, 'T'}, {p.Resume, 'S'}} {
		if err := step.do(); err != nil {
			t.Fatal(err)
		}
		// The state changes asynchronously after the signal.
		eventually(t, 2*time.Second, func() (string, error) {
			if got := procState(p.PID()); got != step.state {
				return "", fmt.Errorf("process state %c, want %c", got, step.state)
			}
			return "", nil
		})
	}
	if err := p.Pause(); err != nil {
		t.Fatal(err)
	}
	// A paused process gets SIGCONT with SIGTERM, so it ends without SIGKILL.
	begin := time.Now()
	if err := p.Stop(5 * time.Second); err != nil {
		t.Errorf("Stop: %v", err)
	}
	if d := time.Since(begin); d > 2*time.Second {
		t.Errorf("Stop of a paused process took %s", d)
	}
	var ee *exec.ExitError
	if err := p.Wait(); !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGTERM {
		t.Errorf("Wait after Stop = %v, want death by SIGTERM", err)
	}
	if b, err := os.ReadFile(p.LogPath()); err != nil || !strings.Contains(string(b), "sleep 60") {
		t.Errorf("log %s = %q, %v; want the command line", p.LogPath(), b, err)
	}
}

// procState is the state letter in /proc/PID/stat.
func procState(pid int) byte {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return '?'
	}
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 || i+2 >= len(b) {
		return '?'
	}
	return b[i+2]
}

func TestStopLeavesNothing(t *testing.T) {
	l, err := Start(t.Context(), Options{Nodes: 2, Log: t.Output()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Stop() })
	var pids []int
	pids = append(pids, l.Cluster.PIDs()...)
	for _, p := range l.procs {
		pids = append(pids, p.PID())
	}
	if len(pids) != 4 {
		t.Errorf("PIDs %v, want etcd, kube-apiserver and two kube-proxies", pids)
	}
	// A stray process in a namespace keeps the namespace alive; Stop must
	// report it and leave it alone, since the lab did not start it.
	stray := l.Client.Command(t.Context(), "sleep", "60")
	if err := stray.Start(); err != nil {
		t.Fatal(err)
	}
	dir := l.Dir

	begin := time.Now()
	err = l.Stop()
	t.Logf("lab down in %s", since(begin))
	if err == nil || !strings.Contains(err.Error(), "did not start") {
		t.Errorf("Stop with a stray process in the client namespace = %v, want it reported", err)
	}
	if !alive(stray.Process.Pid) {
		t.Errorf("Stop killed a process it did not start")
	}
	_ = stray.Process.Kill()
	_ = stray.Wait()

	if names, err := namespacesOf(l.Prefix); err != nil || len(names) > 0 {
		t.Errorf("namespaces left with prefix %s: %v (%v)", l.Prefix, names, err)
	}
	for _, pid := range pids {
		if alive(pid) {
			t.Errorf("process %d still alive after Stop", pid)
		}
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("work directory %s left after Stop: %v", dir, err)
	}
	if err2 := l.Stop(); err2 == nil || err2.Error() != err.Error() {
		t.Errorf("second Stop = %v, want the first's result", err2)
	}
}

// TestCleanupStale fakes the leftovers of a killed run, whose PID is in the
// prefix and dead, and checks that the next Start removes them: the
// process inside is killed, the namespace deleted.
func TestCleanupStale(t *testing.T) {
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	ns := fmt.Sprintf("farol-%d-0bad-node-1", dead.Process.Pid)
	if err := runIP(t.Context(), []string{"netns", "add", ns}, ""); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = runIP(context.Background(), []string{"netns", "del", ns}, "") })
	h := &Host{Netns: ns}
	orphan := h.Command(context.Background(), "sleep", "60")
	// Its own session, as if its parent were long gone.
	orphan.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := orphan.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = orphan.Process.Kill() })
	waitErr := make(chan error, 1)
	go func() { waitErr <- orphan.Wait() }()
	// ip netns exec enters the namespace only after Start returns.
	for pids, err := netnsPIDs(ns); len(pids) == 0; pids, err = netnsPIDs(ns) {
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
	}

	if err := cleanupStale(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(netnsDir, ns)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale namespace %s still there: %v", ns, err)
	}
	select {
	case err := <-waitErr:
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Errorf("process in the stale namespace ended with %v, want SIGKILL", err)
		}
	case <-time.After(5 * time.Second):
		t.Errorf("process in the stale namespace still running")
	}
}
