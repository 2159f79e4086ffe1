package metallb

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
)

// convertL2 writes one L2Advertisement.
func (im *importer) convertL2(a item[l2Advertisement]) {
	s := a.obj.Spec
	out := &farolv1.L2Advertisement{
		TypeMeta:   metav1.TypeMeta{APIVersion: farolv1.GroupVersion.String(), Kind: "L2Advertisement"},
		ObjectMeta: metav1.ObjectMeta{Name: a.obj.Metadata.Name, Labels: a.obj.Metadata.Labels},
	}
	out.Spec.Pools, out.Spec.PoolSelector = im.poolSelection(a.src, s.IPAddressPools, s.IPAddressPoolSelectors)
	out.Spec.NodeSelector = im.selector(a.src, "spec.nodeSelectors", s.NodeSelectors)
	out.Spec.Interfaces = s.Interfaces
	if len(s.ServiceSelectors) > 0 {
		im.note(a.src, "spec.serviceSelectors", "not supported: Farol announces every Service of the selected pools; not converted")
	}
	if len(s.PreferredNodeSelectors) > 0 {
		im.note(a.src, "spec.preferredNodeSelectors", "not supported: Farol elects the announcing node by rendezvous hashing among the eligible nodes; not converted")
	}
	im.emit(a.src, out.Kind, out.Name, out)
}
