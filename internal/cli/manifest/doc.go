// Package manifest reads the files `kubectl farol validate` and `import`
// are given: files, directories walked recursively for *.yaml, *.yml and
// *.json, and standard input; multi-document YAML and `kind: List` are
// split into one Document per object, in input order.
package manifest
