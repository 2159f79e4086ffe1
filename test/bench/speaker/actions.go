package main

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
)

// heartbeats writes count Node heartbeats as kubelets do: the Ready
// condition's lastHeartbeatTime and nothing else, one every spacing, on
// nodes spread over the cluster.
func heartbeats(ctx context.Context, k client.Client, nodes, count int, spacing time.Duration) error {
	for j := range count {
		i := (j * nodes / count) % nodes
		if count > nodes {
			i = j % nodes
		}
		body, err := json.Marshal(map[string]any{"status": map[string]any{"conditions": []map[string]any{{
			"type": string(corev1.NodeReady), "lastHeartbeatTime": metav1.Now(),
		}}}})
		if err != nil {
			return err
		}
		n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: nodeName(i)}}
		if err := retry(ctx, func() error {
			return k.Status().Patch(ctx, n, client.RawPatch(types.StrategicMergePatchType, body))
		}); err != nil {
			return err
		}
		time.Sleep(spacing)
	}
	return nil
}

// poolStatusWrites writes the pool's status count times, one every
// spacing, with a changing in-use count, as the controller does after
// allocation bursts.
func poolStatusWrites(ctx context.Context, k client.Client, services, count int, spacing time.Duration) error {
	for j := range count {
		if err := writePoolStatus(ctx, k, int64(services+j+1)); err != nil {
			return err
		}
		time.Sleep(spacing)
	}
	return nil
}

// countWritten counts the Services whose announcing annotation names self:
// the share this speaker recorded as its own.
func countWritten(ctx context.Context, k client.Client, self string) (int, error) {
	n := 0
	opts := []client.ListOption{client.Limit(2000)}
	for {
		var list corev1.ServiceList
		if err := k.List(ctx, &list, opts...); err != nil {
			return n, err
		}
		for _, s := range list.Items {
			if strings.HasPrefix(s.Annotations[farolv1.AnnotationAnnouncingIPv4], self+"/") {
				n++
			}
		}
		if list.Continue == "" {
			return n, nil
		}
		opts = []client.ListOption{client.Limit(2000), client.Continue(list.Continue)}
	}
}

// mustWork reads the speaker's work counters; the registry is in-process,
// so a failure is a bug.
func mustWork() work {
	w, err := readWork(ctrlmetrics.Registry)
	if err != nil {
		panic(err)
	}
	return w
}
