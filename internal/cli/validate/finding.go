package validate

import "fmt"

// Finding is one problem with one object of the input.
type Finding struct {
	File string
	// Object is "Kind/name", or "document N" when the document has no
	// kind or name to show.
	Object string
	// Message starts with the field at fault: "spec.addresses[0]: ...".
	Message string
	// Warning findings do not fail validation: admission accepts the
	// object and says so.
	Warning bool
}

func (f Finding) String() string {
	if f.Warning {
		return fmt.Sprintf("%s: %s: warning: %s", f.File, f.Object, f.Message)
	}
	return fmt.Sprintf("%s: %s: %s", f.File, f.Object, f.Message)
}

// Result is the verdict on one input.
type Result struct {
	Findings []Finding
	// Objects counts the Farol objects checked.
	Objects int
}

// Errors counts the findings that are not warnings.
func (r Result) Errors() int {
	n := 0
	for _, f := range r.Findings {
		if !f.Warning {
			n++
		}
	}
	return n
}
