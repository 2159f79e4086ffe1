// Command docgen writes docs/reference.md, the configuration reference,
// from the generated CRD manifests: the schema the API server enforces is
// the one place the fields, their limits and their rules are written down,
// so the reference is derived from it rather than kept by hand beside it.
//
//	go run ./hack/docgen -crds config/crd/bases -o docs/reference.md
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	crds := flag.String("crds", "config/crd/bases", "directory of CustomResourceDefinition manifests")
	out := flag.String("o", "docs/reference.md", "Markdown file to write")
	flag.Parse()
	if err := run(*crds, *out); err != nil {
		fmt.Fprintln(os.Stderr, "docgen:", err)
		os.Exit(1)
	}
}

func run(crdDir, out string) error {
	crds, err := load(crdDir)
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, render(crds), 0o644); err != nil {
		return fmt.Errorf("write reference: %w", err)
	}
	return nil
}
