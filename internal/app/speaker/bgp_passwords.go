package speaker

import (
	"bytes"
	"context"
	"fmt"
	"maps"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/farol-lb/farol/internal/config"
)

// passwordsSecret is the Secret the controller copies BGP passwords into.
const passwordsSecret = config.BGPPasswordsSecret

// passwordsCache restricts the speaker's Secret cache to the password
// copy in namespace: one list and one watch of that Secret by name, which
// the speaker's Role allows (resourceNames applies to a list or watch
// whose field selector names one object), so a changed password reaches
// the peers as an event instead of by reading the Secret every few
// seconds on every node (at 5,000 nodes a GET every 30 s each is ~170 per
// second on the API server).
func passwordsCache(namespace string) cache.ByObject {
	return cache.ByObject{Namespaces: map[string]cache.Config{namespace: {
		FieldSelector: fields.OneTermEqualSelector("metadata.name", passwordsSecret),
	}}}
}

// passwordsChanged: of the password copy only its data matters.
func passwordsChanged(o, n client.Object) bool {
	a, okA := o.(*corev1.Secret)
	b, okB := n.(*corev1.Secret)
	return !okA || !okB || !maps.EqualFunc(a.Data, b.Data, bytes.Equal)
}

// passwords reads the copy from the cache; none yet is no password yet.
func (p *bgpPeers) passwords(ctx context.Context) (map[string][]byte, error) {
	var s corev1.Secret
	err := p.secrets.Get(ctx, types.NamespacedName{Namespace: p.namespace, Name: passwordsSecret}, &s)
	if apierrors.IsNotFound(err) {
		return map[string][]byte{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s/%s: %w", p.namespace, passwordsSecret, err)
	}
	return s.Data, nil
}
