// Package reconciler holds Farol's reconcilers, one per kind: Services get
// addresses, AddressPools and L2Advertisements get status. Services and pools share one Allocations value that
// owns the allocator; Kubernetes objects are turned into the allocator's
// plain inputs at the edge (request.go) so that package ipam stays pure.
package reconciler
