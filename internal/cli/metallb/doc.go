// Package metallb converts MetalLB configuration into Farol objects: the
// legacy ConfigMap (MetalLB before 0.13) and the metallb.io CRDs in
// v1beta1 and v1beta2. The legacy ConfigMap is first read into the shapes
// of the CRDs, as MetalLB's own migration did, so that both take one path
// to Farol. Every field that cannot be converted is reported with the
// reason; docs/bgp-api.md and docs/migrate-metallb.md give the mapping.
package metallb
