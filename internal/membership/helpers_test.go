package membership

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/memberlist"
)

// freePort returns a port free for both TCP and UDP on 127.0.0.1, which
// memberlist binds together.
func freePort(t *testing.T) int {
	t.Helper()
	for range 50 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		u, err := net.ListenPacket("udp", "127.0.0.1:"+strconv.Itoa(port))
		_ = l.Close()
		if err == nil {
			_ = u.Close()
			return port
		}
	}
	t.Fatal("no free port")
	return 0
}

// testOptions returns Options for a member on 127.0.0.1 with the package
// defaults, logging to the test's output: at info level, or debug with
// FAROL_TEST_DEBUG=1, which shows memberlist's own log.
func testOptions(t *testing.T, name string, port int) Options {
	level := slog.LevelInfo
	if os.Getenv("FAROL_TEST_DEBUG") == "1" {
		level = slog.LevelDebug
	}
	return Options{
		NodeName: name,
		BindAddr: "127.0.0.1",
		BindPort: port,
		Logger:   slog.New(slog.NewTextHandler(testWriter(t), &slog.HandlerOptions{Level: level})).With("node", name),
	}
}

// testWriter writes to the test's output until the test ends and drops
// writes after: memberlist's goroutines may still log after Shutdown
// returns, and writing to a finished test panics.
func testWriter(t *testing.T) io.Writer {
	w := &lateWriter{w: t.Output()}
	t.Cleanup(func() { // registered before any member, so it runs after their Close
		w.mu.Lock()
		defer w.mu.Unlock()
		w.done = true
	})
	return w
}

type lateWriter struct {
	mu   sync.Mutex
	w    io.Writer
	done bool
}

func (l *lateWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done {
		return len(p), nil
	}
	return l.w.Write(p)
}

// start starts a member and closes it when the test ends.
func start(t *testing.T, o Options) *Members {
	t.Helper()
	m, err := Start(t.Context(), o)
	if err != nil {
		t.Fatalf("Start(%s): %v", o.NodeName, err)
	}
	t.Cleanup(func() { _ = m.Close() })
	return m
}

// cluster is a set of members on 127.0.0.1 that know each other's ports.
type cluster struct {
	t     *testing.T
	names []string
	opts  map[string]Options
	m     map[string]*Members
	cuts  map[string]*cutTransport
}

// newCluster starts n members named node-0… and joins them; each member's
// options pass through tweak first.
func newCluster(t *testing.T, n int, tweak func(*Options)) *cluster {
	t.Helper()
	c := &cluster{t: t, opts: map[string]Options{}, m: map[string]*Members{}, cuts: map[string]*cutTransport{}}
	// Ports are all picked before any is bound, so the kernel may hand the
	// same one out twice: skip repeats.
	used := map[int]bool{}
	for i := range n {
		name := fmt.Sprintf("node-%d", i)
		port := freePort(t)
		for used[port] {
			port = freePort(t)
		}
		used[port] = true
		o := testOptions(t, name, port)
		o.wrapTransport = func(inner memberlist.Transport) memberlist.Transport {
			ct := newCutTransport(inner)
			c.cuts[name] = ct
			return ct
		}
		if tweak != nil {
			tweak(&o)
		}
		c.names = append(c.names, name)
		c.opts[name] = o
	}
	for _, name := range c.names {
		c.m[name] = start(t, c.opts[name])
	}
	for _, name := range c.names {
		if err := c.m[name].Join(c.addrs()); err != nil && name != c.names[0] {
			t.Fatalf("Join(%s): %v", name, err)
		}
	}
	c.waitAll(c.names, 3*time.Second)
	return c
}

// addrs is every member's "ip:port", as the caller derives from Nodes.
func (c *cluster) addrs() []string {
	var out []string
	for _, name := range c.names {
		out = append(out, netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(c.opts[name].BindPort)).String())
	}
	return out
}

// waitAll waits until every member in want sees exactly want as live, and
// returns, per observer, how long that took.
func (c *cluster) waitAll(want []string, timeout time.Duration) map[string]time.Duration {
	c.t.Helper()
	want = slices.Sorted(slices.Values(want))
	took := map[string]time.Duration{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	var failed atomic.Bool
	for _, name := range want {
		wg.Go(func() {
			d, ok := waitLive(c.m[name], want, timeout)
			if !ok {
				failed.Store(true)
				c.t.Errorf("%s sees %v after %s, want %v", name, c.m[name].Live(), timeout, want)
			}
			mu.Lock()
			took[name] = d
			mu.Unlock()
		})
	}
	wg.Wait()
	if failed.Load() {
		c.t.FailNow()
	}
	return took
}

// waitLive polls m.Live until it equals want, woken by Changes and by a
// short tick, and returns how long it took.
func waitLive(m *Members, want []string, timeout time.Duration) (time.Duration, bool) {
	startAt := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		if slices.Equal(m.Live(), want) {
			return time.Since(startAt), true
		}
		select {
		case <-ctx.Done():
			return time.Since(startAt), false
		case <-m.Changes():
		case <-tick.C:
		}
	}
}

// without returns names less drop.
func without(names []string, drop string) []string {
	return slices.DeleteFunc(slices.Clone(names), func(n string) bool { return n == drop })
}

// slowest returns the largest duration.
func slowest(d map[string]time.Duration) time.Duration {
	var m time.Duration
	for _, v := range d {
		m = max(m, v)
	}
	return m
}
