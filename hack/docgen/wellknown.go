package main

import (
	"slices"
	"sort"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
)

// known is a Kubernetes type the reference names instead of expanding:
// a label selector's eight nested fields, repeated for every selector,
// would bury the fields that are Farol's own.
type known struct {
	name string
	note string
}

var (
	labelSelector = known{
		name: "label selector",
		note: "A Kubernetes label selector (`matchLabels`, `matchExpressions`): " +
			"https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors",
	}
	conditions = known{
		name: "[]Condition",
		note: "Kubernetes conditions (`type`, `status`, `reason`, `message`, " +
			"`lastTransitionTime`, `observedGeneration`): " +
			"https://pkg.go.dev/k8s.io/apimachinery/pkg/apis/meta/v1#Condition",
	}
)

// wellKnown recognises a known type by the exact set of its fields, the
// only trace of the Go type that the schema keeps.
func wellKnown(s *apiextensionsv1.JSONSchemaProps) *known {
	switch {
	case s.Type == "object" && fieldsAre(s, "matchExpressions", "matchLabels"):
		return &labelSelector
	case s.Type == "array" && s.Items != nil && s.Items.Schema != nil &&
		fieldsAre(s.Items.Schema, "lastTransitionTime", "message", "observedGeneration", "reason", "status", "type"):
		return &conditions
	}
	return nil
}

func fieldsAre(s *apiextensionsv1.JSONSchemaProps, names ...string) bool {
	keys := sortedKeys(s.Properties)
	sort.Strings(names)
	return slices.Equal(keys, names)
}
