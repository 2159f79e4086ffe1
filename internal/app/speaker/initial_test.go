package speaker

import (
	"context"
	"log/slog"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
)

type synced bool

func (s synced) WaitForCacheSync(context.Context) bool { return bool(s) }

func svcs(names ...string) client.Reader {
	b := fake.NewClientBuilder()
	for _, n := range names {
		b = b.WithObjects(&corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: n}})
	}
	return b.Build()
}

func isDone(p *initialPass) bool {
	select {
	case <-p.Done():
		return true
	default:
		return false
	}
}

// The pass ends when every Service listed at start was decided once,
// counting those decided before the list was read, and not before.
func TestInitialPass(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	p := newInitialPass()
	p.decided("ns/a") // before the list
	p.start(context.Background(), synced(true), svcs("a", "b", "c"), time.Hour, log)
	deadline := time.Now().Add(5 * time.Second)
	for {
		p.mu.Lock()
		listed := p.pending != nil
		p.mu.Unlock()
		if listed || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	p.decided("ns/b")
	p.decided("ns/b")
	p.decided("other/x") // created since: not waited for
	if isDone(p) {
		t.Fatal("pass over with ns/c undecided")
	}
	p.decided("ns/c")
	if !isDone(p) {
		t.Fatal("pass not over with every Service decided")
	}
	p.decided("ns/d") // after the end: nothing happens
}

// No Services: the pass is over as soon as the list is read. A Service
// that is never decided ends the pass only at the timeout.
func TestInitialPassEmptyAndTimeout(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	p := newInitialPass()
	p.start(context.Background(), synced(true), svcs(), time.Hour, log)
	select {
	case <-p.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("empty pass not over")
	}
	p = newInitialPass()
	begin := time.Now()
	p.start(context.Background(), synced(true), svcs("stuck"), 200*time.Millisecond, log)
	select {
	case <-p.Done():
		if took := time.Since(begin); took < 200*time.Millisecond {
			t.Fatalf("pass over after %v, before its timeout, with a Service undecided", took)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("timeout did not end the pass")
	}
}
