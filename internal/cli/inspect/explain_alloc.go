package inspect

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
	"github.com/farol-lb/farol/internal/config"
	"github.com/farol-lb/farol/internal/ipam"
)

// allocator replays the controller's allocator on the snapshot as the
// controller builds it when it starts: the pools, then every address in
// the status of a Service it serves (config.Restore).
func allocator(s *Snapshot, o Options) (*ipam.Allocator, []config.PoolState, error) {
	states := config.BuildPools(s.Pools)
	a := ipam.New()
	if err := a.SetPools(config.Pools(states)); err != nil {
		return nil, nil, fmt.Errorf("load address pools: %w", err)
	}
	// A double claim is the controller's to report; the replay only needs
	// the addresses that are taken.
	config.Restore(a, s.Services, func(svc *corev1.Service) bool { return ours(svc, o) })
	return a, states, nil
}

// explainAllocation walks the controller's rules for svc and reports
// whether the Service holds addresses Farol announces.
func explainAllocation(e *explanation, s *Snapshot, svc *corev1.Service, o Options) bool {
	defer events(e, s, svc, "farol-controller")
	if svc.Spec.Type != corev1.ServiceTypeLoadBalancer {
		e.verdict(1, false, "type", fmt.Sprintf("the Service is of type %s; Farol serves only type LoadBalancer", svc.Spec.Type))
		return false
	}
	e.verdict(1, true, "type", "LoadBalancer")
	switch c := svc.Spec.LoadBalancerClass; {
	case !config.Ours(svc, o.DefaultClass) && c == nil:
		e.verdict(1, false, "class", "no spec.loadBalancerClass, and the controller is taken to run with --default-class=false (it serves only class "+farolv1.LoadBalancerClass+")")
		return false
	case !config.Ours(svc, o.DefaultClass):
		e.verdict(1, false, "class", fmt.Sprintf("spec.loadBalancerClass is %q; Farol serves %q (another load balancer serves this one)", *c, farolv1.LoadBalancerClass))
		return false
	case c == nil:
		e.verdict(1, true, "class", "no spec.loadBalancerClass, and the controller serves those (--default-class, taken to be true, its default)")
	default:
		e.verdict(1, true, "class", *c)
	}
	if svc.DeletionTimestamp != nil {
		e.verdict(1, false, "deletion", "the Service is being deleted; its addresses go back to their pools")
		return false
	}
	req, err := config.ReadRequest(svc, namespaceLabels(s, svc.Namespace))
	if err != nil {
		e.verdict(1, false, "request", "the request is invalid, so nothing changes: "+err.Error())
		return len(config.IngressAddrs(svc)) > 0
	}
	e.verdict(1, true, "request", describeRequest(req))
	for _, warn := range req.Warnings {
		e.line(2, "warning: %s", warn)
	}
	a, states, err := allocator(s, o)
	if err != nil {
		e.verdict(1, false, "pools", err.Error())
		return len(config.IngressAddrs(svc)) > 0
	}
	explainPools(e, a, states, req)
	return explainResult(e, a, svc, req)
}

func describeRequest(r config.ServiceRequest) string {
	var parts []string
	switch {
	case r.Request.Pool != "":
		parts = append(parts, fmt.Sprintf("pool %q (%s)", r.Request.Pool, farolv1.AnnotationPool))
	default:
		parts = append(parts, "any auto-assign pool that selects it")
	}
	if len(r.Request.Addresses) > 0 {
		parts = append(parts, "addresses "+joinAddrs(r.Request.Addresses))
	}
	fams := make([]string, len(r.Request.Families))
	for i, f := range r.Request.Families {
		fams[i] = f.String()
	}
	parts = append(parts, fmt.Sprintf("%s %s", r.Request.Policy, strings.Join(fams, ",")))
	if r.Service.SharingKey != "" {
		parts = append(parts, fmt.Sprintf("sharing key %q", r.Service.SharingKey))
	}
	return "asks for " + strings.Join(parts, "; ")
}

// explainPools lists every pool in the order the allocator tries them,
// with why it may or may not serve the request.
func explainPools(e *explanation, a *ipam.Allocator, states []config.PoolState, req config.ServiceRequest) {
	vs := a.PoolVerdicts(req.Service, req.Request)
	if len(vs) == 0 {
		e.verdict(1, false, "pools", "there is no AddressPool")
		return
	}
	why := map[string]string{}
	for _, st := range states {
		if !st.Ready() {
			why[st.Pool.Name] = st.Reason + ": " + st.Message
		}
	}
	e.line(1, "pools, in the order they are tried (priority, then name):")
	for _, v := range vs {
		detail := "may serve it"
		if v.Refused != "" {
			detail = v.Refused
			if w := why[v.Pool]; w != "" {
				detail += " (" + w + ")"
			}
		}
		e.verdict(2, v.Refused == "", fmt.Sprintf("pool %q (priority %d)", v.Pool, v.Priority), detail+"; "+usage(v.Usage))
	}
}

func usage(u map[ipam.Family]ipam.Usage) string {
	var parts []string
	for _, f := range []ipam.Family{ipam.IPv4, ipam.IPv6} {
		if x, ok := u[f]; ok {
			parts = append(parts, fmt.Sprintf("%s %d of %s in use", f, x.InUse, x.Capacity))
		}
	}
	return strings.Join(parts, ", ")
}

// explainResult replays the assignment and compares it with the status.
func explainResult(e *explanation, a *ipam.Allocator, svc *corev1.Service, req config.ServiceRequest) bool {
	have := config.IngressAddrs(svc)
	got, err := a.Assign(req.Service, req.Request)
	switch {
	case err != nil && len(have) == 0:
		e.verdict(1, false, "address", "none: "+err.Error())
		return false
	case err != nil:
		e.verdict(1, false, "address", fmt.Sprintf("keeps %s, but its request cannot be met now: %v", joinAddrs(have), err))
	case len(have) == 0:
		e.verdict(1, false, "address", fmt.Sprintf("none in status; cluster DISAGREES: the rules give it %s from pool %q now: the controller has not caught up (is it running? see its logs)", joinAddrs(got.Addrs), got.Pool))
		return false
	case got.Pool == "":
		e.verdict(1, false, "orphaned", fmt.Sprintf("%s is no longer in any pool; the Service keeps it (from pool %q) until an operator adds it back, deletes the Service or runs the controller with --reassign-orphans",
			joinAddrs(got.Addrs), svc.Annotations[farolv1.AnnotationAllocatedFrom]))
	case !slices.Equal(got.Addrs, have):
		e.verdict(1, false, "address", fmt.Sprintf("cluster DISAGREES: status holds %s, the rules give %s from pool %q: the controller has not caught up", joinAddrs(have), joinAddrs(got.Addrs), got.Pool))
	default:
		e.verdict(1, true, "address", fmt.Sprintf("holds %s from pool %q", joinAddrs(got.Addrs), got.Pool))
	}
	if from := svc.Annotations[farolv1.AnnotationAllocatedFrom]; got.Pool != "" && from != got.Pool {
		e.verdict(1, false, "pool", fmt.Sprintf("cluster DISAGREES: %s says %q, the rules say %q", farolv1.AnnotationAllocatedFrom, from, got.Pool))
	}
	explainFamilies(e, a, req, got)
	for _, addr := range have {
		holders := slices.DeleteFunc(a.Holders(addr), func(k string) bool { return k == req.Service.Key })
		if len(holders) > 0 {
			e.verdict(1, true, "sharing", fmt.Sprintf("%s is shared with %s (sharing key %q)", addr, strings.Join(holders, ", "), req.Service.SharingKey))
		}
	}
	return true
}

// explainFamilies says why a Service that may have two families has one.
func explainFamilies(e *explanation, a *ipam.Allocator, req config.ServiceRequest, got ipam.Assignment) {
	if req.Request.Policy == ipam.SingleStack || len(got.Addrs) != 1 {
		return
	}
	other := ipam.IPv6
	if ipam.FamilyOf(got.Addrs[0]) == ipam.IPv6 {
		other = ipam.IPv4
	}
	why := fmt.Sprintf("pool %q has no %s range", got.Pool, other)
	if u, ok := a.Usage(got.Pool)[other]; ok {
		why = fmt.Sprintf("pool %q has no free %s address (%d of %s in use)", got.Pool, other, u.InUse, u.Capacity)
	}
	e.verdict(1, false, "family policy", fmt.Sprintf("%s: only %s assigned, %s; the second family comes from the same pool as soon as it has one", req.Request.Policy, ipam.FamilyOf(got.Addrs[0]), why))
}

func namespaceLabels(s *Snapshot, name string) map[string]string {
	for _, ns := range s.Namespaces {
		if ns.Name == name {
			return ns.Labels
		}
	}
	return nil
}

func joinAddrs(as []netip.Addr) string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.String()
	}
	return strings.Join(out, ", ")
}
