package v1alpha1

// Condition types and reasons Farol writes on its objects, part of the API:
// users and tools match on them.
const (
	// ConditionReady says whether an object is in use: an AddressPool for
	// new assignments, an advertisement for announcements.
	ConditionReady = "Ready"

	// ReasonReady: the object is valid and used.
	ReasonReady = "Ready"
	// ReasonInvalid: the object does not parse (a field the API server
	// could not check); the message names the field.
	ReasonInvalid = "Invalid"
	// ReasonOverlap: an AddressPool overlaps an older one and is not used
	// until the overlap is gone.
	ReasonOverlap = "Overlap"
)
