package config

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
	"github.com/farol-lb/farol/internal/ipam"
)

// ServiceRequest is what one Service asks of the allocator, read from its
// spec and annotations. The controller allocates from it and
// `kubectl farol explain` replays the allocation with it.
type ServiceRequest struct {
	Service ipam.Service
	Request ipam.Request
	// Warnings are deprecated annotations in use, as messages for events.
	Warnings []string
}

// Ours says whether Farol is responsible for a Service: a LoadBalancer of
// Farol's class, or of no class when Farol is the default (the
// controller's --default-class).
func Ours(s *corev1.Service, defaultClass bool) bool {
	if s.Spec.Type != corev1.ServiceTypeLoadBalancer {
		return false
	}
	if s.Spec.LoadBalancerClass == nil {
		return defaultClass
	}
	return *s.Spec.LoadBalancerClass == farolv1.LoadBalancerClass
}

// ReadRequest turns a Service into allocator input. A malformed request is
// an error that names the annotation or field; the caller reports it and
// changes nothing.
func ReadRequest(s *corev1.Service, nsLabels map[string]string) (ServiceRequest, error) {
	w := ServiceRequest{Service: ipam.Service{
		Key:             s.Namespace + "/" + s.Name,
		Namespace:       s.Namespace,
		NamespaceLabels: nsLabels,
		Labels:          s.Labels,
		LocalTraffic:    s.Spec.ExternalTrafficPolicy == corev1.ServiceExternalTrafficPolicyLocal,
		Selector:        s.Spec.Selector,
	}}
	for _, p := range s.Spec.Ports {
		proto := p.Protocol
		if proto == "" {
			proto = corev1.ProtocolTCP
		}
		w.Service.Ports = append(w.Service.Ports, ipam.Port{Protocol: string(proto), Port: p.Port})
	}

	ann := annotationValues(s.Annotations, &w.Warnings)
	w.Service.SharingKey = ann[farolv1.AnnotationSharingKey]
	w.Request.Pool = ann[farolv1.AnnotationPool]

	var errs field.ErrorList
	fams, err := families(s)
	if err != nil {
		errs = append(errs, err)
	}
	w.Request.Families = fams
	switch {
	case s.Spec.IPFamilyPolicy == nil || *s.Spec.IPFamilyPolicy == corev1.IPFamilyPolicySingleStack:
		w.Request.Policy = ipam.SingleStack
	case *s.Spec.IPFamilyPolicy == corev1.IPFamilyPolicyPreferDualStack:
		w.Request.Policy = ipam.PreferDualStack
	default:
		w.Request.Policy = ipam.RequireDualStack
	}

	addrs, addrErrs := requestedAddresses(s, ann[farolv1.AnnotationAddresses], fams)
	errs = append(errs, addrErrs...)
	w.Request.Addresses = addrs
	if len(errs) > 0 {
		return w, errs.ToAggregate()
	}
	return w, nil
}

// annotationValues returns the farol.dev request annotations, filling gaps
// from MetalLB's equivalents and noting each MetalLB one that is used.
func annotationValues(a map[string]string, warnings *[]string) map[string]string {
	out := map[string]string{}
	for _, k := range []string{farolv1.AnnotationPool, farolv1.AnnotationAddresses, farolv1.AnnotationSharingKey} {
		if v, ok := a[k]; ok {
			out[k] = strings.TrimSpace(v)
		}
	}
	for _, m := range migration {
		v, ok := a[m.old]
		if !ok {
			continue
		}
		if _, set := out[m.replacement]; set {
			*warnings = append(*warnings, fmt.Sprintf("annotation %s is ignored because %s is set; remove it", m.old, m.replacement))
			continue
		}
		out[m.replacement] = strings.TrimSpace(v)
		*warnings = append(*warnings, fmt.Sprintf("annotation %s is deprecated here; use %s instead", m.old, m.replacement))
	}
	return out
}

func families(s *corev1.Service) ([]ipam.Family, *field.Error) {
	var out []ipam.Family
	for _, f := range s.Spec.IPFamilies {
		switch f {
		case corev1.IPv4Protocol:
			out = append(out, ipam.IPv4)
		case corev1.IPv6Protocol:
			out = append(out, ipam.IPv6)
		}
	}
	if len(out) == 0 {
		// The API server fills ipFamilies for every Service with a cluster
		// IP; a LoadBalancer Service always has one, so this is a Service
		// the API server has not defaulted yet.
		return nil, field.Required(field.NewPath("spec", "ipFamilies"), "the Service has no IP family yet")
	}
	return out, nil
}

// requestedAddresses reads farol.dev/addresses (or its MetalLB form) and
// spec.loadBalancerIP. At most one address per family, each of a family the
// Service has.
func requestedAddresses(s *corev1.Service, list string, fams []ipam.Family) ([]netip.Addr, field.ErrorList) {
	annPath := field.NewPath("metadata", "annotations").Key(farolv1.AnnotationAddresses)
	var errs field.ErrorList
	var out []netip.Addr
	if list != "" {
		for _, part := range strings.Split(list, ",") {
			part = strings.TrimSpace(part)
			a, err := netip.ParseAddr(part)
			if err != nil || a.Zone() != "" || a.Is4In6() {
				errs = append(errs, field.Invalid(annPath, list, fmt.Sprintf("%q is not an IP address", part)))
				continue
			}
			out = append(out, a)
		}
	}
	if lbip := strings.TrimSpace(s.Spec.LoadBalancerIP); lbip != "" {
		p := field.NewPath("spec", "loadBalancerIP")
		a, err := netip.ParseAddr(lbip)
		switch {
		case err != nil:
			errs = append(errs, field.Invalid(p, lbip, "not an IP address"))
		case len(out) > 0 && !slices.Contains(out, a):
			errs = append(errs, field.Invalid(p, lbip, fmt.Sprintf("conflicts with annotation %s=%s", farolv1.AnnotationAddresses, list)))
		case len(out) == 0:
			out = append(out, a.Unmap())
		}
	}
	seen := map[ipam.Family]netip.Addr{}
	for _, a := range out {
		f := ipam.FamilyOf(a)
		if prev, dup := seen[f]; dup {
			errs = append(errs, field.Invalid(annPath, list, fmt.Sprintf("more than one %s address (%s, %s); give at most one per family", f, prev, a)))
		}
		seen[f] = a
		if !slices.Contains(fams, f) {
			errs = append(errs, field.Invalid(annPath, list, fmt.Sprintf("%s is %s but the Service's spec.ipFamilies is %v", a, f, fams)))
		}
	}
	// Primary family first, as the allocator returns them.
	sort.SliceStable(out, func(i, j int) bool {
		return slices.Index(fams, ipam.FamilyOf(out[i])) < slices.Index(fams, ipam.FamilyOf(out[j]))
	})
	return out, errs
}

// migration maps each MetalLB annotation Farol honours to the farol.dev
// annotation that replaces it.
var migration = []struct{ old, replacement string }{
	{"metallb.io/address-pool", farolv1.AnnotationPool},
	{"metallb.universe.tf/address-pool", farolv1.AnnotationPool},
	{"metallb.io/loadBalancerIPs", farolv1.AnnotationAddresses},
	{"metallb.universe.tf/loadBalancerIPs", farolv1.AnnotationAddresses},
	{"metallb.io/allow-shared-ip", farolv1.AnnotationSharingKey},
	{"metallb.universe.tf/allow-shared-ip", farolv1.AnnotationSharingKey},
}
