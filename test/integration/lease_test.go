package integration

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/farol-lb/farol/internal/app/controller"
)

// TestLeaseNamespace: the leader Lease lives in the namespace the flag
// names, else the one the service-account mount names, else farol-system;
// a missing namespace stops Run at once with one sentence instead of a
// retry loop that never allocates.
func TestLeaseNamespace(t *testing.T) {
	e := newEnv(t)
	dir := t.TempDir()
	saFile := func(ns string) string {
		p := filepath.Join(dir, ns)
		if err := os.WriteFile(p, []byte(ns+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	missing := e.ns + "-missing"
	tests := map[string]struct {
		flag, file string
		lease      string // namespace the Lease must appear in
		missing    string // or the namespace Run must complain about
	}{
		"flag":                        {flag: e.ns, file: saFile(missing), lease: e.ns},
		"service account":             {file: saFile(e.ns), lease: e.ns},
		"outside a cluster":           {file: filepath.Join(dir, "absent"), lease: "farol-system"},
		"flag names a missing one":    {flag: missing, file: saFile(e.ns), missing: missing},
		"service account missing one": {file: saFile(missing), missing: missing},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			e := e.sub(t)
			id := "lease-" + e.ns + "-" + strings.ReplaceAll(name, " ", "-")
			elect := func(o *controller.Options) {
				o.LeaderElection = true
				o.LeaderElectionNamespace = tc.flag
				o.LeaderElectionID = id
				o.ServiceAccountNamespaceFile = tc.file
			}
			if tc.missing != "" {
				o := e.controllerOptions(elect)
				ctx, cancel := context.WithTimeout(e.ctx, 30*time.Second)
				defer cancel()
				start := time.Now()
				err := controller.Run(ctx, o)
				if took := time.Since(start); took > 10*time.Second {
					t.Fatalf("Run took %s to give up", took)
				}
				var me *controller.MissingNamespaceError
				if !errors.As(err, &me) || me.Namespace != tc.missing {
					t.Fatalf("Run returned %v, want a missing-namespace error naming %s", err, tc.missing)
				}
				t.Logf("Run: %v", err)
				return
			}
			stop, _ := e.startController(elect)
			defer stop()
			e.eventually("lease in "+tc.lease, 20*time.Second, func() string {
				var l coordinationv1.Lease
				if err := e.c.Get(e.ctx, types.NamespacedName{Namespace: tc.lease, Name: id}, &l); err != nil {
					return err.Error()
				}
				return ""
			})
		})
	}
}
