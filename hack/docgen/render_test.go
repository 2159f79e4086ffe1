package main

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestRenderGolden renders a made-up CRD with one of each schema feature
// and compares the Markdown with testdata/widgets.md.
func TestRenderGolden(t *testing.T) {
	crds, err := load("testdata/crds")
	if err != nil {
		t.Fatal(err)
	}
	got := render(crds)
	golden := filepath.Join("testdata", "widgets.md")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("render differs from %s (go test ./hack/docgen -update to accept):\n%s", golden, got)
	}
}

func TestTypeName(t *testing.T) {
	str := apiextensionsv1.JSONSchemaProps{Type: "string"}
	obj := apiextensionsv1.JSONSchemaProps{Type: "object", Properties: map[string]apiextensionsv1.JSONSchemaProps{"a": str}}
	yes := true
	tests := map[string]struct {
		schema apiextensionsv1.JSONSchemaProps
		want   string
	}{
		"scalar with format": {apiextensionsv1.JSONSchemaProps{Type: "integer", Format: "int32"}, "integer (int32)"},
		"array of strings":   {apiextensionsv1.JSONSchemaProps{Type: "array", Items: &apiextensionsv1.JSONSchemaPropsOrArray{Schema: &str}}, "[]string"},
		"array of objects":   {apiextensionsv1.JSONSchemaProps{Type: "array", Items: &apiextensionsv1.JSONSchemaPropsOrArray{Schema: &obj}}, "[]object"},
		"map":                {apiextensionsv1.JSONSchemaProps{Type: "object", AdditionalProperties: &apiextensionsv1.JSONSchemaPropsOrBool{Schema: &str}}, "map[string]string"},
		"int or string":      {apiextensionsv1.JSONSchemaProps{XIntOrString: true}, "integer or string"},
		"free form":          {apiextensionsv1.JSONSchemaProps{XPreserveUnknownFields: &yes}, "any"},
		"label selector": {apiextensionsv1.JSONSchemaProps{Type: "object", Properties: map[string]apiextensionsv1.JSONSchemaProps{
			"matchLabels": obj, "matchExpressions": {Type: "array"},
		}}, "label selector"},
		"selector-like with an extra field": {apiextensionsv1.JSONSchemaProps{Type: "object", Properties: map[string]apiextensionsv1.JSONSchemaProps{
			"matchLabels": obj, "matchExpressions": {Type: "array"}, "other": str,
		}}, "object"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := typeName(&tc.schema); got != tc.want {
				t.Errorf("typeName = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestMarkdownHelpers(t *testing.T) {
	tests := map[string]struct {
		got, want string
	}{
		"code plain":             {code("a  b\n c"), "`a b c`"},
		"code with backtick":     {code("x != `y`"), "`` x != `y` ``"},
		"code with double ticks": {code("a``b"), "```a``b```"},
		"prose escapes tags":     {prose("stays <pending>, `<kept>`"), "stays &lt;pending&gt;, `<kept>`"},
		"prose heading line":     {prose("one\n# two"), "one\n\\# two"},
		"cell pipe":              {cell("a|b"), `a\|b`},
		"number big":             {number(4294967295), "4294967295"},
		"number fraction":        {number(0.5), "0.5"},
		"anchor":                 {anchor("BGPPeer v1"), "bgppeer-v1"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got %q, want %q", tc.got, tc.want)
			}
		})
	}
}
