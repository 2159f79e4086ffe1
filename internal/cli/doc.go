// Package cli is `kubectl farol`: the cobra commands and the flags shared
// by all of them. The commands' logic lives in the packages below
// (manifest, validate, metallb) and reuses internal/config, so the CLI
// never holds a second copy of a rule.
package cli
