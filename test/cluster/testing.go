package cluster

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
)

// StartT starts a cluster for one test and stops it when the test ends. It
// fails the test, never skips it, when the cluster cannot start, including
// when the binaries are missing (run hack/bins.sh, or make test).
func StartT(t testing.TB, opts Options) *Cluster {
	t.Helper()
	c, err := Start(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Stop(); err != nil {
			t.Error(err)
		}
	})
	return c
}

// Shared is one cluster for a whole test binary, started by the first test
// that asks for it, so a run filtered to other tests starts none:
//
//	var env = cluster.NewShared(cluster.Options{})
//
//	func TestMain(m *testing.M) { os.Exit(env.Run(m)) }
//
//	func TestX(t *testing.T) { c := env.Cluster(t); ... }
//
// Tests sharing it should work in namespaces of their own.
type Shared struct {
	opts Options
	once sync.Once
	c    *Cluster
	err  error
}

// NewShared returns a Shared that starts its cluster with opts.
func NewShared(opts Options) *Shared { return &Shared{opts: opts} }

// Cluster returns the shared cluster, starting it on the first call. If it
// failed to start, every test that asks fails with the same error.
func (s *Shared) Cluster(t testing.TB) *Cluster {
	t.Helper()
	// Not t.Context(): the cluster outlives the test that happens to start it.
	s.once.Do(func() { s.c, s.err = Start(context.Background(), s.opts) })
	if s.err != nil {
		t.Fatal(s.err)
	}
	return s.c
}

// Run runs the tests and then stops the cluster if one was started; it is
// meant as the body of TestMain. A failure to stop fails the run.
func (s *Shared) Run(m *testing.M) int {
	code := m.Run()
	// Also orders this read after a Do in any test, and keeps a straggler
	// from starting a cluster now.
	s.once.Do(func() {})
	if s.c != nil {
		if err := s.c.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			if code == 0 {
				code = 1
			}
		}
	}
	return code
}
