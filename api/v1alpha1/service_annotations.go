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
	// AnnotationAnnouncingIPv4 and AnnotationAnnouncingIPv6 say which node
	// answers for the Service's address of that family, and on which
	// interfaces: "node-1/eth0". A Service has at most one address per
	// family, and each key is written only by the speaker that owns that
	// address, so the two owners of a dual-stack Service never write the
	// same key. A speaker removes the key when nobody announces.
	AnnotationAnnouncingIPv4 = "farol.dev/announcing-ipv4"
	AnnotationAnnouncingIPv6 = "farol.dev/announcing-ipv6"
)

// AnnouncingAnnotation returns the annotation that names the owner of an
// address of the given family (IPv4 when is4).
func AnnouncingAnnotation(is4 bool) string {
	if is4 {
		return AnnotationAnnouncingIPv4
	}
	return AnnotationAnnouncingIPv6
}
