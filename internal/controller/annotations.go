package controller

// Annotations and names Farol reads and writes on Services.
const (
	// Class is the spec.loadBalancerClass Farol answers to.
	Class = "farol.dev/lb"

	AnnotationPool          = "farol.dev/pool"
	AnnotationAddresses     = "farol.dev/addresses"
	AnnotationSharingKey    = "farol.dev/sharing-key"
	AnnotationAllocatedFrom = "farol.dev/allocated-from"
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
