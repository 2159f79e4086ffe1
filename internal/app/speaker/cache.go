package speaker

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/farol-lb/farol/internal/config"
)

// cacheOptions trims what the caches hold: managed fields everywhere, and
// Node status down to what the decision reads, so that thousands of Nodes
// and EndpointSlices fit in a speaker's memory.
func cacheOptions() cache.Options {
	return cache.Options{
		DefaultTransform: cache.TransformStripManagedFields(),
		ByObject: map[client.Object]cache.ByObject{
			&corev1.Node{}:               {Transform: trimNode},
			&discoveryv1.EndpointSlice{}: {Transform: trimSlice},
			&corev1.Service{}:            {Transform: trimService},
		},
	}
}

func trimNode(o any) (any, error) {
	n, ok := o.(*corev1.Node)
	if !ok {
		return o, nil
	}
	n.ManagedFields = nil
	n.Annotations = nil
	n.Status.Images = nil
	n.Status.VolumesInUse = nil
	n.Status.VolumesAttached = nil
	n.Status.NodeInfo = corev1.NodeSystemInfo{}
	n.Status.Capacity, n.Status.Allocatable = nil, nil
	n.Status.DaemonEndpoints = corev1.NodeDaemonEndpoints{}
	n.Status.Config = nil
	n.Spec = corev1.NodeSpec{Unschedulable: n.Spec.Unschedulable}
	// Of the conditions only NetworkUnavailable is read, of the addresses
	// only the InternalIPs; kubelets rewrite the rest with every heartbeat.
	n.Status.Conditions = slices.DeleteFunc(n.Status.Conditions, func(c corev1.NodeCondition) bool {
		return c.Type != corev1.NodeNetworkUnavailable
	})
	for i := range n.Status.Conditions {
		c := &n.Status.Conditions[i]
		c.Message, c.Reason, c.LastHeartbeatTime, c.LastTransitionTime = "", "", metav1.Time{}, metav1.Time{}
	}
	n.Status.Addresses = slices.DeleteFunc(n.Status.Addresses, func(a corev1.NodeAddress) bool {
		return a.Type != corev1.NodeInternalIP
	})
	return n, nil
}

// trimSlice keeps of an EndpointSlice what the decision reads: the nodes
// with a ready endpoint, each once, as endpoints that carry only a node
// name (nil conditions count as ready in config.ReadyNodes).
func trimSlice(o any) (any, error) {
	s, ok := o.(*discoveryv1.EndpointSlice)
	if !ok {
		return o, nil
	}
	s.ManagedFields = nil
	s.Annotations = nil
	// Nothing refers to a slice by UID or owner; its key is its name.
	s.UID, s.GenerateName, s.OwnerReferences, s.Finalizers = "", "", nil, nil
	// In place: a new map per slice would double what its labels cost.
	maps.DeleteFunc(s.Labels, func(k, _ string) bool { return k != discoveryv1.LabelServiceName })
	s.Ports = nil
	nodes := config.ReadyNodes([]discoveryv1.EndpointSlice{*s})
	eps := make([]discoveryv1.Endpoint, len(nodes))
	for i := range nodes {
		eps[i].NodeName = &nodes[i]
	}
	s.Endpoints = eps
	return s, nil
}

// sliceServiceIndex indexes EndpointSlices by "namespace/service", so that
// a Service's reconcile finds its slices without scanning its namespace. A
// client-go indexer rather than controller-runtime's field index: that one
// files every object under two keys (its namespace's and all namespaces'),
// a second set per slice that the speaker never reads.
const sliceServiceIndex = "farol.service"

// sliceIndex finds a Service's EndpointSlices in the informer's store. The
// slices it returns are the cache's own: read them, never change them.
type sliceIndex struct{ store toolscache.Indexer }

func newSliceIndex(ctx context.Context, c cache.Cache) (sliceIndex, error) {
	inf, err := c.GetInformer(ctx, &discoveryv1.EndpointSlice{})
	if err != nil {
		return sliceIndex{}, err
	}
	err = inf.AddIndexers(toolscache.Indexers{sliceServiceIndex: func(o any) ([]string, error) {
		s, ok := o.(*discoveryv1.EndpointSlice)
		if !ok || s.Labels[discoveryv1.LabelServiceName] == "" {
			return nil, nil
		}
		return []string{s.Namespace + "/" + s.Labels[discoveryv1.LabelServiceName]}, nil
	}})
	if err != nil {
		return sliceIndex{}, err
	}
	si, ok := inf.(interface{ GetIndexer() toolscache.Indexer })
	if !ok {
		return sliceIndex{}, fmt.Errorf("the EndpointSlice informer (%T) has no indexer", inf)
	}
	return sliceIndex{store: si.GetIndexer()}, nil
}

// of returns the EndpointSlices of the Service namespace/name.
func (x sliceIndex) of(namespace, name string) ([]discoveryv1.EndpointSlice, error) {
	objs, err := x.store.ByIndex(sliceServiceIndex, namespace+"/"+name)
	if err != nil {
		return nil, err
	}
	out := make([]discoveryv1.EndpointSlice, 0, len(objs))
	for _, o := range objs {
		if s, ok := o.(*discoveryv1.EndpointSlice); ok {
			out = append(out, *s)
		}
	}
	return out, nil
}

// trimService keeps of a Service what the speaker reads: type, traffic
// policy, annotations and the addresses in status.
func trimService(o any) (any, error) {
	s, ok := o.(*corev1.Service)
	if !ok {
		return o, nil
	}
	s.ManagedFields = nil
	// Only Farol's annotations are read; others (last-applied
	// configuration, tools' notes) can be large.
	maps.DeleteFunc(s.Annotations, func(k, _ string) bool { return !strings.HasPrefix(k, "farol.dev/") })
	s.Labels = nil
	s.Spec = corev1.ServiceSpec{
		Type:                  s.Spec.Type,
		ExternalTrafficPolicy: s.Spec.ExternalTrafficPolicy,
		LoadBalancerClass:     s.Spec.LoadBalancerClass,
	}
	return s, nil
}
