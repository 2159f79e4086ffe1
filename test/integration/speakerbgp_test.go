package integration

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
	"github.com/farol-lb/farol/internal/app/speaker"
	"github.com/farol-lb/farol/test/cluster"
)

// TestSpeakerBGPPasswords: a speaker, as its ServiceAccount, watches the
// password copy: a peer whose password is not copied yet shows in the
// node's BGPNodeStatus as waiting for it, is configured as soon as the
// copy appears, and is reconfigured within a second or two when the
// password changes; and it never reads the Secret by GET (which, every
// 30 s on every node, is what it did before), only lists and watches that
// one Secret by name.
func TestSpeakerBGPPasswords(t *testing.T) {
	e := newOwnEnv(t)
	if err := e.cl.InstallFarol(e.ctx, repoRoot(), cluster.InstallOptions{}); err != nil {
		t.Fatal(err)
	}
	identity, err := e.cl.As(e.ctx, installNamespace, "farol-speaker", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	reqs := &secretRequests{}
	identity.Wrap(reqs.wrap)
	e.createNode("node-1")
	peer := &farolv1.BGPPeer{ObjectMeta: metav1.ObjectMeta{Name: "tor"},
		Spec: farolv1.BGPPeerSpec{PeerAddress: "10.77.0.1", PeerASN: 64512, MyASN: 64513,
			PasswordSecretRef: &farolv1.SecretKeyRef{Name: "tor-md5"}}}
	if err := e.c.Create(e.ctx, peer); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.c.Delete(context.Background(), peer) })
	ann := &peersSeen{}
	e.runSpeaker(speaker.Options{Config: identity, NodeName: "node-1", BGP: ann})

	e.eventually("the status shows the peer waiting for its password", 15*time.Second, func() string {
		s, ok := e.bgpSession("node-1", "tor")
		switch {
		case !ok:
			return "no status of peer tor"
		case s.State != farolv1.BGPSessionIdle || !strings.Contains(s.LastError, `waiting for the password: key "password" of Secret farol-system/tor-md5`):
			return fmt.Sprintf("state %s, last error %q", s.State, s.LastError)
		}
		return ""
	})
	if _, _, ok := ann.password("tor"); ok {
		t.Fatal("peer tor configured without its password")
	}

	copied := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: installNamespace, Name: "farol-bgp-passwords"},
		Data: map[string][]byte{"tor": []byte("s3cret")}}
	written := time.Now()
	if err := e.c.Create(e.ctx, copied); err != nil {
		t.Fatal(err)
	}
	e.waitPassword(ann, "tor", "s3cret", written)
	e.eventually("the status no longer says waiting", 10*time.Second, func() string {
		if s, _ := e.bgpSession("node-1", "tor"); s.State != farolv1.BGPSessionActive || s.LastError != "" {
			return fmt.Sprintf("state %s, last error %q", s.State, s.LastError)
		}
		return ""
	})

	copied.Data["tor"] = []byte("n3w")
	written = time.Now()
	if err := e.c.Update(e.ctx, copied); err != nil {
		t.Fatal(err)
	}
	e.waitPassword(ann, "tor", "n3w", written)

	var status farolv1.BGPNodeStatus
	if err := e.c.Get(e.ctx, types.NamespacedName{Name: "node-1"}, &status); err != nil {
		t.Fatal(err)
	}
	before := reqs.snapshot()
	time.Sleep(3 * time.Second) // the status is looked at every 2 s
	after := reqs.snapshot()
	if rv := status.ResourceVersion; e.c.Get(e.ctx, types.NamespacedName{Name: "node-1"}, &status) != nil || status.ResourceVersion != rv {
		t.Errorf("BGPNodeStatus rewritten while nothing changed (resourceVersion %s, then %s)", rv, status.ResourceVersion)
	}
	for _, r := range after {
		if !strings.Contains(r, "fieldSelector=metadata.name%3Dfarol-bgp-passwords") {
			t.Errorf("request not restricted to the password copy by name: %s", r)
		}
	}
	if gets := count(after, "get"); gets > 0 {
		t.Errorf("%d GETs of a Secret: %v", gets, after)
	}
	// One list or watch-list to start with (client-go starts its
	// informers with a watch that sends the initial state), and one more
	// if the API server ended the watch early.
	if len(after) < 1 || len(after) > 2 {
		t.Errorf("%d requests for the password copy, want 1 or 2: %v", len(after), after)
	}
	if len(after) != len(before) {
		t.Errorf("Secret requests while nothing changed: %v", after[len(before):])
	}
}

// waitPassword waits up to 2 s after since for peer to be configured with
// password: the change arrives by watch, not by a timer.
func (e *env) waitPassword(ann *peersSeen, peer, password string, since time.Time) {
	e.t.Helper()
	e.eventually("peer "+peer+" configured with password "+password, 2*time.Second, func() string {
		got, _, ok := ann.password(peer)
		if !ok || got != password {
			return fmt.Sprintf("configured=%v password %q", ok, got)
		}
		return ""
	})
	_, at, _ := ann.password(peer)
	e.t.Logf("peer %s configured with password %q %v after the Secret was written", peer, password, at.Sub(since).Round(time.Millisecond))
}

// runSpeaker runs a speaker alone (no gossip, no responders) with o, until
// the test ends.
func (e *env) runSpeaker(o speaker.Options) {
	e.t.Helper()
	o.MetricsAddress, o.HealthAddress = "0", "0"
	o.Members = &oneMember{name: o.NodeName}
	o.Announcer = noLayer2{}
	o.SecretNamespace = installNamespace
	o.Registry = prometheus.NewRegistry()
	o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("FAROL_TEST_LOG") != "" {
		o.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(e.ctx))
	done := make(chan error, 1)
	go func() { done <- speaker.Run(ctx, o) }()
	e.t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			e.t.Errorf("speaker: %v", err)
		}
	})
}

// bgpSession is a node's BGPNodeStatus entry for peer.
func (e *env) bgpSession(node, peer string) (farolv1.BGPSessionStatus, bool) {
	var st farolv1.BGPNodeStatus
	if err := e.c.Get(e.ctx, types.NamespacedName{Name: node}, &st); err != nil {
		return farolv1.BGPSessionStatus{}, false
	}
	for _, s := range st.Status.Sessions {
		if s.Peer == peer {
			return s, true
		}
	}
	return farolv1.BGPSessionStatus{}, false
}

// secretRequests records the requests for Secrets a client sends, as
// "get|list|watch URL".
type secretRequests struct {
	mu   sync.Mutex
	seen []string
}

func (s *secretRequests) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripper(func(r *http.Request) (*http.Response, error) {
		if path := r.URL.Path; strings.Contains(path, "/secrets") {
			verb := "list"
			switch {
			case r.URL.Query().Get("watch") == "true":
				verb = "watch"
			case !strings.HasSuffix(path, "/secrets"):
				verb = "get"
			}
			s.mu.Lock()
			s.seen = append(s.seen, verb+" "+r.URL.String())
			s.mu.Unlock()
		}
		return rt.RoundTrip(r)
	})
}

func (s *secretRequests) snapshot() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.seen...)
}

func count(reqs []string, verb string) int {
	n := 0
	for _, r := range reqs {
		if strings.HasPrefix(r, verb+" ") {
			n++
		}
	}
	return n
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
