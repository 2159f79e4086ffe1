package config

import (
	"net/netip"
	"slices"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
	"github.com/farol-lb/farol/internal/decision"
)

// The translations from Kubernetes objects to the speaker's decision
// inputs (package speaker), in one place: the speaker, the controller's
// advertisement status and the CLI read objects the same way.

// Node is what a decision reads of a Node: labels, the exclusion label,
// cordon, and the NetworkUnavailable condition.
func Node(n *corev1.Node) decision.Node {
	out := decision.Node{Name: n.Name, Labels: n.Labels, Cordoned: n.Spec.Unschedulable}
	_, out.Excluded = n.Labels[corev1.LabelNodeExcludeBalancers]
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeNetworkUnavailable && c.Status == corev1.ConditionTrue {
			out.NetworkUnavailable = true
		}
	}
	return out
}

// InternalIP is the address speakers reach each other on: the node's first
// InternalIP, IPv4 preferred.
func InternalIP(n *corev1.Node) (netip.Addr, bool) {
	v4, v6 := InternalIPs(n)
	if v4.IsValid() {
		return v4, true
	}
	return v6, v6.IsValid()
}

// InternalIPs are the node's first IPv4 and first IPv6 InternalIP (either
// invalid when it has none): its BGP next hops and BFD sources.
func InternalIPs(n *corev1.Node) (v4, v6 netip.Addr) {
	for _, a := range n.Status.Addresses {
		if a.Type != corev1.NodeInternalIP {
			continue
		}
		ip, err := netip.ParseAddr(a.Address)
		if err != nil {
			continue
		}
		ip = ip.Unmap()
		if ip.Is4() && !v4.IsValid() {
			v4 = ip
		}
		if ip.Is6() && !v6.IsValid() {
			v6 = ip
		}
	}
	return v4, v6
}

// L2Advertisement resolves an advertisement's selectors against the pools.
// A selector the API server let through but that does not parse (an
// operator it does not know, "In" without values) is an error naming the
// field; the advertisement then selects nothing.
func L2Advertisement(ad *farolv1.L2Advertisement, pools []farolv1.AddressPool) (decision.Advertisement, field.ErrorList) {
	out := decision.Advertisement{Name: ad.Name, Interfaces: ad.Spec.Interfaces}
	spec := field.NewPath("spec")
	var errs field.ErrorList
	pool, err := poolPredicate(ad.Spec.Pools, ad.Spec.PoolSelector, pools, spec.Child("poolSelector"))
	errs = appendErr(errs, err)
	nodeSel, err := selector(ad.Spec.NodeSelector, spec.Child("nodeSelector"))
	errs = appendErr(errs, err)
	if len(errs) > 0 {
		return decision.Advertisement{Name: ad.Name}, errs
	}
	out.Pool = pool
	if nodeSel != nil {
		out.Node = nodeSel.Matches
	}
	return out, nil
}

// poolPredicate resolves an advertisement's pools, by name and by
// selector, into a predicate on pool names; nil (every pool) when neither
// is given.
func poolPredicate(names []string, sel *metav1.LabelSelector, pools []farolv1.AddressPool, path *field.Path) (func(string) bool, *field.Error) {
	poolSel, err := selector(sel, path)
	if err != nil {
		return nil, err
	}
	if len(names) == 0 && sel == nil {
		return nil, nil
	}
	selected := map[string]bool{}
	for _, p := range names {
		selected[p] = true
	}
	for _, p := range pools {
		if poolSel != nil && poolSel.Matches(p.Labels) {
			selected[p.Name] = true
		}
	}
	return func(p string) bool { return selected[p] }, nil
}

// Service is what a decision needs of a LoadBalancer Service and its
// EndpointSlices; false when Farol gave it no address (no pool annotation,
// no address in status, not a LoadBalancer, being deleted).
func Service(svc *corev1.Service, eps []discoveryv1.EndpointSlice) (decision.Service, bool) {
	pool := svc.Annotations[farolv1.AnnotationAllocatedFrom]
	if svc.Spec.Type != corev1.ServiceTypeLoadBalancer || pool == "" || svc.DeletionTimestamp != nil {
		return decision.Service{}, false
	}
	in := decision.Service{
		Key:          svc.Namespace + "/" + svc.Name,
		Pool:         pool,
		LocalTraffic: svc.Spec.ExternalTrafficPolicy == corev1.ServiceExternalTrafficPolicyLocal,
		ReadyNodes:   ReadyNodes(eps),
	}
	in.Addrs = IngressAddrs(svc)
	return in, len(in.Addrs) > 0
}

// ReadyNodes are the nodes with at least one ready endpoint, sorted.
func ReadyNodes(eps []discoveryv1.EndpointSlice) []string {
	var out []string
	for _, s := range eps {
		for _, e := range s.Endpoints {
			if e.NodeName == nil || (e.Conditions.Ready != nil && !*e.Conditions.Ready) {
				continue
			}
			out = append(out, *e.NodeName)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
