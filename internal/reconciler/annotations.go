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
