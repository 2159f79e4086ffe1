package manifest

import "strings"

// FieldFirst words a strict decoding error, `unknown field "spec.x"`, as
// "spec.x: unknown field": the field first, like every other message of
// the CLI.
func FieldFirst(msg string) string {
	for _, kind := range []string{"unknown field", "duplicate field"} {
		if path, ok := strings.CutPrefix(msg, kind+` "`); ok && strings.HasSuffix(path, `"`) {
			return strings.TrimSuffix(path, `"`) + ": " + kind
		}
	}
	return msg
}
