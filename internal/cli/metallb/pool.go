package metallb

import (
	"net/netip"
	"strconv"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
)

// convertPools writes one AddressPool per IPAddressPool.
//
// Priority means the same in both (lower is tried first) except for 0:
// MetalLB tries a pool without a priority after every pool with one, Farol
// takes an absent priority as 0, the first. When any pool has a priority,
// the pools without one get one more than the highest.
func (im *importer) convertPools() {
	var highest int32
	for _, p := range im.pools {
		if a := p.obj.Spec.ServiceAllocation; a != nil && a.Priority > highest {
			highest = a.Priority
		}
	}
	for _, p := range im.pools {
		s := p.obj.Spec
		out := &farolv1.AddressPool{
			TypeMeta:   metav1.TypeMeta{APIVersion: farolv1.GroupVersion.String(), Kind: "AddressPool"},
			ObjectMeta: metav1.ObjectMeta{Name: p.obj.Metadata.Name, Labels: p.obj.Metadata.Labels},
			Spec:       farolv1.AddressPoolSpec{AutoAssign: s.AutoAssign, AvoidBuggyIPs: s.AvoidBuggyIPs},
		}
		for i, a := range s.Addresses {
			out.Spec.Addresses = append(out.Spec.Addresses, farolv1.AddressRange(im.address(p.src, i, a)))
		}
		var al farolv1.Allocation
		if a := s.ServiceAllocation; a != nil {
			al.Priority, al.Namespaces = a.Priority, a.Namespaces
			al.NamespaceSelector = im.selector(p.src, "spec.serviceAllocation.namespaceSelectors", a.NamespaceSelectors)
			al.ServiceSelector = im.selector(p.src, "spec.serviceAllocation.serviceSelectors", a.ServiceSelectors)
		}
		if highest > 0 && al.Priority == 0 {
			al.Priority = highest + 1
			im.note(p.src, "spec.serviceAllocation.priority", "absent: MetalLB tries this pool after every pool with a priority, Farol would try it first; written as priority %d", al.Priority)
		}
		if al.Priority != 0 || al.Namespaces != nil || al.NamespaceSelector != nil || al.ServiceSelector != nil {
			out.Spec.Allocation = &al
		}
		im.emit(p.src, out.Kind, out.Name, out)
	}
}

// address writes one MetalLB address range in Farol's form: a range
// without spaces around the dash, a CIDR without host bits (MetalLB
// ignored them, Farol's CRD refuses them).
func (im *importer) address(src source, i int, a string) string {
	a = strings.TrimSpace(a)
	if first, last, ok := strings.Cut(a, "-"); ok {
		return strings.TrimSpace(first) + "-" + strings.TrimSpace(last)
	}
	p, err := netip.ParsePrefix(a)
	if err != nil || p.Masked() == p {
		return a
	}
	im.note(src, "spec.addresses["+strconv.Itoa(i)+"]", "%s has host bits set, which MetalLB ignored; written as %s", a, p.Masked())
	return p.Masked().String()
}
