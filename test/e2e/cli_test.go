package e2e

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/farol-lb/farol/internal/cli/inspect"
)

var (
	cliOnce sync.Once
	cliBin  string
	cliErr  error
)

// farolCLI runs `kubectl farol` (the kubectl-farol binary) with args inside
// node-1's namespace, where the API server is reachable, as an operator on
// a node would, with the lab's admin kubeconfig; it returns standard output.
func (w *world) farolCLI(args ...string) string {
	w.t.Helper()
	cliOnce.Do(func() {
		cliBin = filepath.Join(filepath.Dir(farolBin), "kubectl-farol")
		out, err := exec.Command("go", "build", "-o", cliBin, "github.com/farol-lb/farol/cmd/kubectl-farol").CombinedOutput()
		if err != nil {
			cliErr = fmt.Errorf("build kubectl-farol: %w: %s", err, out)
		}
	})
	if cliErr != nil {
		w.t.Fatal(cliErr)
	}
	cmd := w.node("node-1").Command(w.ctx, cliBin, append(args, "--kubeconfig", w.lab.KubeconfigInLab)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		w.t.Fatalf("kubectl farol %s: %v: %s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

// farolStatus is `kubectl farol status -o json`, decoded.
func (w *world) farolStatus() inspect.Report {
	w.t.Helper()
	var r inspect.Report
	if err := json.Unmarshal([]byte(w.farolCLI("status", "-A", "-o", "json")), &r); err != nil {
		w.t.Fatalf("status -o json: %v", err)
	}
	return r
}

// statusAddress finds a Service's address in a status report.
func statusAddress(r inspect.Report, ns, name, addr string) (inspect.Address, bool) {
	for _, s := range r.Services {
		if s.Namespace != ns || s.Name != name {
			continue
		}
		for _, a := range s.Addresses {
			if a.Address == addr {
				return a, true
			}
		}
	}
	return inspect.Address{}, false
}

// TestCLIAgainstLab: `kubectl farol status` and `explain` against the lab
// with its real controller and speakers: they name the node the speakers
// elected and agree with what the speaker recorded; after the owner is
// cordoned and the speakers hand the address over, they name the new owner
// and say why the old one no longer announces.
func TestCLIAgainstLab(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.pool()
	vip := w.service("web", nil)[0]
	owner := ""
	w.eventually("web's address announced", 20*time.Second, func() string {
		a := w.announcing("web", vip)
		owner, _, _ = strings.Cut(a, "/")
		if owner == "" {
			return "no owner recorded"
		}
		return ""
	})
	check := func(owner string) {
		t.Helper()
		a, ok := statusAddress(w.farolStatus(), w.ns, "web", vip.String())
		if !ok {
			t.Fatalf("status has no address %s for %s/web", vip, w.ns)
		}
		if len(a.Announcements) != 1 || a.Announcements[0].Mode != "l2" || !slices.Equal(a.Announcements[0].Nodes, []string{owner}) ||
			!strings.HasPrefix(a.Recorded, owner+"/") {
			t.Errorf("status for %s: %+v, want announced by %s in layer 2 and recorded so", vip, a, owner)
		}
		out := w.farolCLI("explain", "svc/web", "-n", w.ns)
		if strings.Contains(out, "DISAGREES") || !strings.Contains(out, "cluster: agrees") {
			t.Errorf("explain disagrees with the cluster:\n%s", out)
		}
		if want := fmt.Sprintf("[ok] %s: layer 2: %s answers", vip, owner); !strings.Contains(out, want) {
			t.Errorf("explain does not say %q:\n%s", want, out)
		}
	}
	check(owner)

	var n corev1.Node
	if err := w.c.Get(w.ctx, types.NamespacedName{Name: owner}, &n); err != nil {
		t.Fatal(err)
	}
	n.Spec.Unschedulable = true
	if err := w.c.Update(w.ctx, &n); err != nil {
		t.Fatal(err)
	}
	next := ""
	w.eventually("web's address handed over", 20*time.Second, func() string {
		next, _, _ = strings.Cut(w.announcing("web", vip), "/")
		if next == "" || next == owner {
			return "still recorded: " + w.announcing("web", vip)
		}
		return ""
	})
	check(next)
	out := w.farolCLI("explain", "svc/web", "-n", w.ns)
	if !strings.Contains(out, "[NO] cordon: cordoned") {
		t.Errorf("explain does not say the old owner %s is cordoned:\n%s", owner, out)
	}
	t.Logf("explain after the cordon:\n%s", out)
}
