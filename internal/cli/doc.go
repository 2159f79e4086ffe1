// Package cli is `kubectl farol`: the cobra commands and the flags shared
// by all of them. The commands' logic lives in the packages below
// (manifest, validate, metallb, inspect), which reuse internal/config,
// internal/ipam and internal/decision, so the CLI never holds a second
// copy of a rule.
package cli
