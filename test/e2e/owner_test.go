package e2e

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/retry"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
)

type l2adv = farolv1.L2Advertisement
type metaLabelSelector = metav1.LabelSelector

// currentOwner is the node whose MAC answers ARP (or NDP) for vip; "" when
// none or several answer.
func (w *world) currentOwner(vip netip.Addr) string {
	var macs []string
	if vip.Is4() {
		var err error
		if macs, err = w.arpAnswers(vip, 150*time.Millisecond); err != nil {
			w.t.Logf("arp: %v", err)
		}
	} else {
		macs = w.ndisc(vip)
	}
	if len(macs) != 1 {
		return ""
	}
	return w.macOf(macs[0])
}

// waitOwner waits until exactly one node answers for vip.
func (w *world) waitOwner(vip netip.Addr) string {
	w.t.Helper()
	var owner string
	w.eventually("one owner for "+vip.String(), 20*time.Second, func() string {
		if owner = w.currentOwner(vip); owner == "" {
			return "no single owner"
		}
		return ""
	})
	return owner
}

// label sets a label on a Node ("" value still sets it).
func (w *world) label(node, key, value string) {
	w.t.Helper()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		var n corev1.Node
		if err := w.c.Get(context.Background(), types.NamespacedName{Name: node}, &n); err != nil {
			return err
		}
		if n.Labels == nil {
			n.Labels = map[string]string{}
		}
		n.Labels[key] = value
		return w.c.Update(context.Background(), &n)
	})
	if err != nil {
		w.t.Fatal(fmt.Errorf("label %s: %w", node, err))
	}
}

// cordon marks a node unschedulable, as kubectl cordon does.
func (w *world) cordon(node string) {
	w.t.Helper()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		var n corev1.Node
		if err := w.c.Get(context.Background(), types.NamespacedName{Name: node}, &n); err != nil {
			return err
		}
		n.Spec.Unschedulable = true
		return w.c.Update(context.Background(), &n)
	})
	if err != nil {
		w.t.Fatal(fmt.Errorf("cordon %s: %w", node, err))
	}
}
