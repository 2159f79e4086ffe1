// Package v1alpha1 holds the farol.dev/v1alpha1 API: the objects an operator
// writes to tell Farol which addresses it may hand out and how to announce
// them. Per-object rules live here as OpenAPI and CEL markers so that
// `kubectl apply` refuses a bad object with the field's name; rules that need
// other objects (overlapping pools) are checked by the controller and
// reported as conditions.
//
// +kubebuilder:object:generate=true
// +groupName=farol.dev
package v1alpha1
