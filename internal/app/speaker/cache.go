package speaker

import (
	"context"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
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

// trimSlice keeps of an EndpointSlice what the decision reads: which nodes
// have ready endpoints.
func trimSlice(o any) (any, error) {
	s, ok := o.(*discoveryv1.EndpointSlice)
	if !ok {
		return o, nil
	}
	s.ManagedFields = nil
	s.Annotations = nil
	s.Labels = map[string]string{discoveryv1.LabelServiceName: s.Labels[discoveryv1.LabelServiceName]}
	s.Ports = nil
	for i := range s.Endpoints {
		e := &s.Endpoints[i]
		e.Addresses, e.TargetRef, e.Hints, e.Hostname, e.Zone = nil, nil, nil, nil, nil
		e.DeprecatedTopology = nil
		e.Conditions = discoveryv1.EndpointConditions{Ready: e.Conditions.Ready}
	}
	return s, nil
}

// sliceServiceIndex indexes EndpointSlices by the name of their Service, so
// that a Service's reconcile finds its slices without scanning its
// namespace.
const sliceServiceIndex = "farol.serviceName"

func indexSlices(ctx context.Context, idx client.FieldIndexer) error {
	return idx.IndexField(ctx, &discoveryv1.EndpointSlice{}, sliceServiceIndex, func(o client.Object) []string {
		if name := o.GetLabels()[discoveryv1.LabelServiceName]; name != "" {
			return []string{name}
		}
		return nil
	})
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
