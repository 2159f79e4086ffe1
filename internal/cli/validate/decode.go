package validate

import (
	"fmt"
	"strings"

	"sigs.k8s.io/json"
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
		problems = append(problems, strictMessage(e.Error()))
	}
	return obj, problems, nil
}

// strictMessage words `unknown field "spec.x"` as "spec.x: unknown field",
// the field first like every other finding.
func strictMessage(msg string) string {
	for _, kind := range []string{"unknown field", "duplicate field"} {
		if path, ok := strings.CutPrefix(msg, kind+` "`); ok && strings.HasSuffix(path, `"`) {
			return strings.TrimSuffix(path, `"`) + ": " + kind
		}
	}
	return msg
}
