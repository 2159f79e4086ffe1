package inspect

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
)

// Snapshot is every object the answers are computed from, read once.
type Snapshot struct {
	Pools     []farolv1.AddressPool
	L2        []farolv1.L2Advertisement
	BGP       []farolv1.BGPAdvertisement
	BGPStatus []farolv1.BGPNodeStatus
	Nodes     []corev1.Node
	// Services are all Services of every namespace: an allocation is
	// replayed against every address held in the cluster.
	Services   []corev1.Service
	Namespaces []corev1.Namespace
	// Slices are the EndpointSlices of the namespaces read.
	Slices []discoveryv1.EndpointSlice
	// Events are the events of the namespaces read (explain only).
	Events []eventsv1.Event
	// SpeakerPods are the speaker DaemonSet's Pods; SpeakerPodsErr says
	// why they could not be read (then liveness is assumed).
	SpeakerPods    []corev1.Pod
	SpeakerPodsErr error
}

// LoadOptions say which namespaced objects to read.
type LoadOptions struct {
	// Namespace limits EndpointSlices and events; "" reads every
	// namespace.
	Namespace string
	// Events reads the events too (explain).
	Events bool
	// SpeakerNamespace and SpeakerSelector find the speaker Pods.
	SpeakerNamespace string
	SpeakerSelector  map[string]string
}

// SpeakerLabels are the labels of the speaker DaemonSet's Pods
// (config/speaker/daemonset.yaml and the Helm chart).
var SpeakerLabels = map[string]string{"app.kubernetes.io/name": "farol", "app.kubernetes.io/component": "speaker"}

// Load reads a Snapshot. A missing permission on the speaker Pods is not
// fatal: liveness is then assumed and the answer says so.
func Load(ctx context.Context, r client.Reader, o LoadOptions) (*Snapshot, error) {
	var s Snapshot
	var (
		pools  farolv1.AddressPoolList
		l2     farolv1.L2AdvertisementList
		bgp    farolv1.BGPAdvertisementList
		status farolv1.BGPNodeStatusList
		nodes  corev1.NodeList
		svcs   corev1.ServiceList
		nss    corev1.NamespaceList
		slices discoveryv1.EndpointSliceList
	)
	ns := []client.ListOption{}
	if o.Namespace != "" {
		ns = append(ns, client.InNamespace(o.Namespace))
	}
	for _, l := range []struct {
		what string
		list client.ObjectList
		opts []client.ListOption
	}{
		{"AddressPools", &pools, nil},
		{"L2Advertisements", &l2, nil},
		{"BGPAdvertisements", &bgp, nil},
		{"BGPNodeStatuses", &status, nil},
		{"Nodes", &nodes, nil},
		{"Services", &svcs, nil},
		{"Namespaces", &nss, nil},
		{"EndpointSlices", &slices, ns},
	} {
		if err := r.List(ctx, l.list, l.opts...); err != nil {
			return nil, fmt.Errorf("list %s: %w", l.what, err)
		}
	}
	s.Pools, s.L2, s.BGP, s.BGPStatus = pools.Items, l2.Items, bgp.Items, status.Items
	s.Nodes, s.Services, s.Namespaces, s.Slices = nodes.Items, svcs.Items, nss.Items, slices.Items
	if o.Events {
		var evs eventsv1.EventList
		if err := r.List(ctx, &evs, ns...); err != nil {
			return nil, fmt.Errorf("list events: %w", err)
		}
		s.Events = evs.Items
	}
	sel := o.SpeakerSelector
	if sel == nil {
		sel = SpeakerLabels
	}
	var pods corev1.PodList
	err := r.List(ctx, &pods, client.InNamespace(o.SpeakerNamespace), client.MatchingLabels(sel))
	switch {
	case apierrors.IsForbidden(err):
		s.SpeakerPodsErr = fmt.Errorf("not allowed to list Pods in %s", o.SpeakerNamespace)
	case err != nil:
		return nil, fmt.Errorf("list speaker Pods: %w", err)
	default:
		s.SpeakerPods = pods.Items
	}
	return &s, nil
}
