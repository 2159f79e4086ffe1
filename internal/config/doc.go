// Package config turns the operator's AddressPool objects into one validated,
// immutable model for the allocator. Validation returns field-path errors
// (field.ErrorList) so the controller, a future webhook and the CLI report a
// bad object the same way, naming the field. It mirrors the CRD's CEL rules
// because objects can reach the controller without them (an older CRD, a
// direct etcd restore), and adds the rules that need several objects, such as
// overlapping pools.
package config
