package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/retry"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
	"github.com/farol-lb/farol/test/gen"
)

// TestKeptAddressStillAnnounced: a pool edit that removes an address in use
// leaves it with its Service (with a warning), and the address stays
// answered: it is still the operator's address. When nothing announces it
// any more (its advertisement deleted), the Service stops naming an owner
// and says why.
func TestKeptAddressStillAnnounced(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.pool()
	lo, _, _ := strings.Cut(w.lab.VIPs4, "-")
	vip := w.service("keep", []gen.ServiceOption{gen.WithAddresses(lo)})[0]
	owner := w.waitOwner(vip)

	// The pool no longer holds the address.
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		var p farolv1.AddressPool
		if err := w.c.Get(w.ctx, types.NamespacedName{Name: "lab"}, &p); err != nil {
			return err
		}
		p.Spec.Addresses = []farolv1.AddressRange{farolv1.AddressRange(vip.Next().String() + "-" + vip.Next().Next().String()), farolv1.AddressRange(w.lab.VIPs6)}
		return w.c.Update(w.ctx, &p)
	})
	if err != nil {
		t.Fatal(err)
	}
	w.eventually("AddressOrphaned event", 10*time.Second, func() string {
		if w.events("keep", "AddressOrphaned") == 0 {
			return "none yet"
		}
		return ""
	})
	for i := range 6 {
		if got := w.annotationsOf("keep"); got[farolv1.AnnotationAllocatedFrom] != "lab" || !strings.HasPrefix(got[farolv1.AnnotationAnnouncingIPv4], owner+"/") {
			t.Fatalf("check %d after the pool edit: annotations %v, want allocated-from lab and %s announcing", i, got, owner)
		}
		if got := w.currentOwner(vip); got != owner {
			t.Fatalf("check %d after the pool edit: %s answered by %q, want %s", i, vip, got, owner)
		}
		time.Sleep(500 * time.Millisecond)
	}
	w.waitCurl(vip)

	// Nothing announces the pool any more.
	if err := w.c.Delete(w.ctx, &farolv1.L2Advertisement{ObjectMeta: metav1.ObjectMeta{Name: "lab"}}); err != nil {
		t.Fatal(err)
	}
	w.eventually("no owner named, nobody answers, NotAnnounced", 10*time.Second, func() string {
		if got, ok := w.annotationsOf("keep")[farolv1.AnnotationAnnouncingIPv4]; ok {
			return fmt.Sprintf("still names %q", got)
		}
		if macs := w.arping(vip); len(macs) != 0 {
			return fmt.Sprintf("answered by %v", macs)
		}
		if w.events("keep", "NotAnnounced") == 0 {
			return "no NotAnnounced event"
		}
		return ""
	})
}
