package cli

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
)

// fakeCluster is a fake client holding the objects of a multi-document
// YAML file, status included, for the golden cases of status and explain.
func fakeCluster(t *testing.T, data []byte) client.Reader {
	t.Helper()
	scheme, err := farolv1.Scheme()
	if err != nil {
		t.Fatal(err)
	}
	decode := serializer.NewCodecFactory(scheme).UniversalDeserializer().Decode
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var objs []client.Object
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		o, _, err := decode(doc, nil, nil)
		if err != nil {
			t.Fatalf("cluster.yaml: %v\n%s", err, doc)
		}
		co, ok := o.(client.Object)
		if !ok {
			t.Fatalf("cluster.yaml: %T is not an object", o)
		}
		objs = append(objs, co)
	}
	return fake.NewClientBuilder().WithScheme(scheme).WithObjects(objs...).Build()
}
