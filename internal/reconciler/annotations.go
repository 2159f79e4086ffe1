package reconciler

import farolv1 "github.com/farol-lb/farol/api/v1alpha1"

// Short local names for the API's Service-facing names.
const (
	Class                   = farolv1.LoadBalancerClass
	AnnotationPool          = farolv1.AnnotationPool
	AnnotationAddresses     = farolv1.AnnotationAddresses
	AnnotationSharingKey    = farolv1.AnnotationSharingKey
	AnnotationAllocatedFrom = farolv1.AnnotationAllocatedFrom
)

// migration maps each MetalLB annotation Farol honours to the farol.dev
// annotation that replaces it.
var migration = []struct{ old, replacement string }{
	{"metallb.io/address-pool", AnnotationPool},
	{"metallb.universe.tf/address-pool", AnnotationPool},
	{"metallb.io/loadBalancerIPs", AnnotationAddresses},
	{"metallb.universe.tf/loadBalancerIPs", AnnotationAddresses},
	{"metallb.io/allow-shared-ip", AnnotationSharingKey},
	{"metallb.universe.tf/allow-shared-ip", AnnotationSharingKey},
}
