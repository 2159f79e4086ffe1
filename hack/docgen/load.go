package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"
)

// load reads every CustomResourceDefinition in dir, sorted by kind so the
// reference does not depend on file names.
func load(dir string) ([]apiextensionsv1.CustomResourceDefinition, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, fmt.Errorf("list CRDs: %w", err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no CRD manifests in %s", dir)
	}
	crds := make([]apiextensionsv1.CustomResourceDefinition, 0, len(files))
	for _, f := range files {
		crd, err := loadFile(f)
		if err != nil {
			return nil, err
		}
		crds = append(crds, crd)
	}
	sort.Slice(crds, func(i, j int) bool { return crds[i].Spec.Names.Kind < crds[j].Spec.Names.Kind })
	return crds, nil
}

func loadFile(path string) (apiextensionsv1.CustomResourceDefinition, error) {
	var crd apiextensionsv1.CustomResourceDefinition
	data, err := os.ReadFile(path)
	if err != nil {
		return crd, fmt.Errorf("read CRD: %w", err)
	}
	// Strict, so a schema keyword this version of the types does not know
	// fails here instead of silently missing from the reference.
	if err := yaml.UnmarshalStrict(data, &crd); err != nil {
		return crd, fmt.Errorf("parse %s: %w", path, err)
	}
	if crd.Kind != "CustomResourceDefinition" {
		return crd, fmt.Errorf("%s: kind %q, want CustomResourceDefinition", path, crd.Kind)
	}
	return crd, nil
}
