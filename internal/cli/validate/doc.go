// Package validate runs admission's checks on files, offline: the CRDs'
// OpenAPI schema (types, required fields, bounds, patterns), strict
// decoding (unknown and duplicate fields), and internal/config's rules for
// each object and across the objects of the input, the same functions the
// webhook calls. The CRDs' CEL rules run only in the API server;
// internal/config repeats most of them.
package validate
