package speaker

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
	"github.com/farol-lb/farol/internal/decision"
)

// written remembers what this speaker last wrote on a Service, and on top
// of which version of it: until the cache shows a newer version, the cached
// annotations are older than our own write, and must not make us write (and
// report) the same change again.
type written struct {
	resourceVersion string
	values          map[string]*string // annotation -> value written (nil: removed)
}

// ownerChange is one address whose announcing node this speaker records.
type ownerChange struct {
	addr     string
	from, to string
}

// recordOwners writes, for each address of the Service, which node answers
// for it, touching only the keys this speaker is responsible for: the key
// of each address it answers for itself, and, when it is the speaker that
// speaks for all (the first live one), the keys of addresses that nobody
// announces. Each key is one merge-patch field, so owners of different
// addresses never overwrite each other, and nothing is written when nothing
// changed.
func (r *serviceReconciler) recordOwners(ctx context.Context, svc *corev1.Service, anns []decision.Announcement) error {
	key := svc.Namespace + "/" + svc.Name
	var mine []netip.Addr
	for _, a := range anns {
		if a.Owner() == r.self {
			mine = append(mine, a.Addr)
		}
	}
	owned := r.answered(mine...)
	speaksForAll := r.worlds.firstLive(r.self)
	patch := map[string]*string{}
	var changes []ownerChange
	families := map[string]bool{}
	for _, a := range anns {
		name := farolv1.AnnouncingAnnotation(a.Addr.Is4())
		families[name] = true
		cur, has := r.annotation(key, svc, name)
		switch {
		case a.Owner() == r.self:
			ifaces, ok := owned[a.Addr]
			if !ok {
				continue // not answered yet; the applier says when it is
			}
			want := r.self + "/" + strings.Join(ifaces, ",")
			if cur != want {
				patch[name] = &want
				changes = append(changes, ownerChange{addr: a.Addr.String(), from: cur, to: want})
			}
		case len(a.Nodes) == 0 && speaksForAll && has:
			patch[name] = nil
		}
	}
	if speaksForAll {
		// A family the Service no longer has an address of.
		for _, name := range []string{farolv1.AnnotationAnnouncingIPv4, farolv1.AnnotationAnnouncingIPv6} {
			if _, has := r.annotation(key, svc, name); has && !families[name] {
				patch[name] = nil
			}
		}
	}
	if len(patch) == 0 {
		return nil
	}
	body, err := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": patch}})
	if err != nil {
		return fmt.Errorf("encode owner patch: %w", err)
	}
	rv := svc.ResourceVersion
	if err := r.client.Patch(ctx, svc, client.RawPatch(types.MergePatchType, body)); err != nil {
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("record owner of %s: %w", key, err)
	}
	r.mu.Lock()
	r.written[key] = written{resourceVersion: rv, values: patch}
	r.mu.Unlock()
	for _, c := range changes {
		from := c.from
		if from == "" {
			from = "nobody"
		}
		r.metrics.ownershipChanges.Inc()
		r.recorder.Eventf(svc, nil, corev1.EventTypeNormal, "Announcing", "Announce", "%s announces %s (was %s)", c.to, c.addr, from)
	}
	return nil
}

// annotation reads an announcing annotation as this speaker knows it: its
// own last write while the cache has not caught up with it, the cached
// object otherwise.
func (r *serviceReconciler) annotation(key string, svc *corev1.Service, name string) (string, bool) {
	r.mu.Lock()
	w, ok := r.written[key]
	r.mu.Unlock()
	if ok && w.resourceVersion == svc.ResourceVersion {
		if v, ok := w.values[name]; ok {
			if v == nil {
				return "", false
			}
			return *v, true
		}
	}
	v, has := svc.Annotations[name]
	return v, has
}
