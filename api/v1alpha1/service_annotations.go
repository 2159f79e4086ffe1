package v1alpha1

// Names Farol reads and writes on Services: part of the API as much as the
// CRDs are, and shared by the controller, the speaker and the tests.
const (
	// LoadBalancerClass is the spec.loadBalancerClass Farol answers to.
	LoadBalancerClass = "farol.dev/lb"

	// AnnotationPool asks for an address from a named AddressPool.
	AnnotationPool = "farol.dev/pool"
	// AnnotationAddresses asks for addresses: a comma list, at most one per
	// family.
	AnnotationAddresses = "farol.dev/addresses"
	// AnnotationSharingKey lets Services with the same key share an address.
	AnnotationSharingKey = "farol.dev/sharing-key"
	// AnnotationAllocatedFrom names the pool an address came from (written
	// by the controller).
	AnnotationAllocatedFrom = "farol.dev/allocated-from"
	// AnnotationAnnouncing says which node answers for the Service, and on
	// which interfaces: "node-1/eth0" (written by the owning speaker only).
	AnnotationAnnouncing = "farol.dev/announcing"
)
