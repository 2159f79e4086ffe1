// Package crd embeds the CRDs controller-gen writes into bases/, so that
// `kubectl farol validate` checks files against the same OpenAPI schema
// the API server applies, without a cluster.
package crd

import "embed"

// Bases holds bases/*.yaml, one CRD per file.
//
//go:embed bases/*.yaml
var Bases embed.FS
