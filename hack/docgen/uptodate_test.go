package main

import (
	"os"
	"testing"
)

// TestReferenceUpToDate fails when docs/reference.md is not what the
// generator writes from the CRDs in the tree: a field changed in api/
// without `make docs` (or `make generate`) after it.
func TestReferenceUpToDate(t *testing.T) {
	crds, err := load("../../config/crd/bases")
	if err != nil {
		t.Fatal(err)
	}
	committed, err := os.ReadFile("../../docs/reference.md")
	if err != nil {
		t.Fatal(err)
	}
	if string(render(crds)) != string(committed) {
		t.Fatal("docs/reference.md is out of date with config/crd/bases: run make docs and commit the result")
	}
}
