package validate

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	openapierrors "k8s.io/kube-openapi/pkg/validation/errors"
	"k8s.io/kube-openapi/pkg/validation/spec"
	"k8s.io/kube-openapi/pkg/validation/strfmt"
	"k8s.io/kube-openapi/pkg/validation/validate"
	"sigs.k8s.io/yaml"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
	"github.com/farol-lb/farol/config/crd"
)

// schemas holds the OpenAPI schema of each Farol kind at v1alpha1, read
// from the embedded CRDs.
type schemas map[string]*spec.Schema

func loadSchemas() (schemas, error) {
	files, err := fs.Glob(crd.Bases, "bases/*.yaml")
	if err != nil {
		return nil, fmt.Errorf("embedded CRDs: %w", err)
	}
	out := schemas{}
	for _, f := range files {
		data, err := crd.Bases.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("embedded CRD %s: %w", f, err)
		}
		var c apiextensionsv1.CustomResourceDefinition
		if err := yaml.Unmarshal(data, &c); err != nil {
			return nil, fmt.Errorf("embedded CRD %s: %w", f, err)
		}
		for _, v := range c.Spec.Versions {
			if v.Name != farolv1.GroupVersion.Version || v.Schema == nil {
				continue
			}
			// The CRD's JSON schema is OpenAPI's; the x-kubernetes
			// extensions (CEL rules among them) become extensions the
			// validator ignores.
			js, err := json.Marshal(v.Schema.OpenAPIV3Schema)
			if err != nil {
				return nil, fmt.Errorf("embedded CRD %s: %w", f, err)
			}
			var s spec.Schema
			if err := json.Unmarshal(js, &s); err != nil {
				return nil, fmt.Errorf("embedded CRD %s: %w", f, err)
			}
			out[c.Spec.Names.Kind] = &s
		}
	}
	return out, nil
}

// check validates one object against its kind's schema; each error names
// the field.
func (s schemas) check(kind string, js []byte) []string {
	sch, ok := s[kind]
	if !ok {
		return nil
	}
	var obj any
	if err := json.Unmarshal(js, &obj); err != nil {
		return []string{err.Error()}
	}
	res := validate.NewSchemaValidator(sch, nil, "", strfmt.Default).Validate(obj)
	var out []string
	for _, e := range res.Errors {
		out = append(out, schemaMessage(e))
	}
	// The validator walks properties in map order.
	slices.Sort(out)
	return out
}

// schemaMessage words an OpenAPI error as "field: message".
func schemaMessage(err error) string {
	msg := err.Error()
	var v *openapierrors.Validation
	if errors.As(err, &v) && v.Name != "" {
		if rest, cut := strings.CutPrefix(msg, v.Name+" in body "); cut {
			return v.Name + ": " + rest
		}
	}
	return msg
}
