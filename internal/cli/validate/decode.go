package validate

import (
	"fmt"

	"sigs.k8s.io/json"

	"github.com/farol-lb/farol/internal/cli/manifest"
)

// decode reads one document into its typed object strictly: each unknown
// or duplicated field is a problem naming it, as `kubectl apply
// --validate=strict` reports. A value of the wrong type is an error.
func decode[T any](js []byte) (any, []string, error) {
	obj := new(T)
	strict, err := json.UnmarshalStrict(js, obj, json.DisallowUnknownFields, json.DisallowDuplicateFields)
	if err != nil {
		return nil, nil, fmt.Errorf("decode: %w", err)
	}
	var problems []string
	for _, e := range strict {
		problems = append(problems, manifest.FieldFirst(e.Error()))
	}
	return obj, problems, nil
}
