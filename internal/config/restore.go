package config

import (
	"net/netip"
	"sort"

	corev1 "k8s.io/api/core/v1"

	"github.com/farol-lb/farol/internal/ipam"
)

// IngressAddrs are the IP addresses in a Service's status.
func IngressAddrs(s *corev1.Service) []netip.Addr {
	var out []netip.Addr
	for _, in := range s.Status.LoadBalancer.Ingress {
		if a, err := netip.ParseAddr(in.IP); err == nil {
			out = append(out, a.Unmap())
		}
	}
	return out
}

// Restore gives the allocator the addresses every Service Farol serves
// (ours) holds in its status, oldest Service first, so that of two
// Services claiming one address the older keeps it. It returns, for each
// Service whose address an older one holds, why. The controller runs it
// once before it assigns anything; `kubectl farol explain` replays the
// allocator with it.
func Restore(a *ipam.Allocator, svcs []corev1.Service, ours func(*corev1.Service) bool) map[string]string {
	sorted := make([]*corev1.Service, len(svcs))
	for i := range svcs {
		sorted[i] = &svcs[i]
	}
	sort.SliceStable(sorted, func(i, j int) bool {
		ti, tj := sorted[i].CreationTimestamp, sorted[j].CreationTimestamp
		if !ti.Equal(&tj) {
			return ti.Before(&tj)
		}
		return sorted[i].Namespace+"/"+sorted[i].Name < sorted[j].Namespace+"/"+sorted[j].Name
	})
	conflicts := map[string]string{}
	for _, s := range sorted {
		addrs := IngressAddrs(s)
		if !ours(s) || len(addrs) == 0 {
			continue
		}
		w, err := ReadRequest(s, nil)
		if err != nil {
			// Still restore: the address is in use whatever the
			// annotations say now.
			w.Service.Key = s.Namespace + "/" + s.Name
		}
		if _, err := a.Restore(w.Service, addrs); err != nil {
			conflicts[w.Service.Key] = err.Error()
		}
	}
	return conflicts
}
