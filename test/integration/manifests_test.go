package integration

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"

	"github.com/farol-lb/farol/test/cluster"
)

// The install tests' names for the shipped manifests.
const (
	installNamespace = "farol-system"
	chartDir         = "charts/farol"
	kustomizeDefault = "config/default"
)

// repoPath is a path in the repository, whatever the test's working
// directory.
func repoPath(rel string) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", rel)
}

// tool runs a binary from the bin directory (helm, kubectl) and returns its
// standard output; a failure carries standard error.
func tool(t *testing.T, name string, args ...string) []byte {
	t.Helper()
	path, err := cluster.Binary(name)
	if err != nil {
		t.Fatal(err)
	}
	return run(t, exec.Command(path, args...))
}

// run runs cmd and returns its standard output, failing the test with its
// standard error.
func run(t *testing.T, cmd *exec.Cmd) []byte {
	t.Helper()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%v: %v\n%s", cmd.Args, err, stderr.Bytes())
	}
	return out
}

// renderChart is `helm template` of the chart as release "farol" in
// farol-system with the given values files (relative to the chart).
func renderChart(t *testing.T, valuesFiles ...string) []byte {
	t.Helper()
	args := []string{"template", "farol", repoPath(chartDir), "--namespace", installNamespace}
	for _, f := range valuesFiles {
		args = append(args, "--values", filepath.Join(repoPath(chartDir), f))
	}
	return tool(t, "helm", args...)
}

// renderKustomize is `kubectl kustomize` of a directory under config/.
func renderKustomize(t *testing.T, dir string) []byte {
	t.Helper()
	return tool(t, "kubectl", "kustomize", repoPath(dir))
}

// decodeObjects splits a YAML stream into objects, skipping empty
// documents.
func decodeObjects(t *testing.T, stream []byte) []*unstructured.Unstructured {
	t.Helper()
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(stream), 4096)
	var out []*unstructured.Unstructured
	for {
		var m map[string]any
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("decode manifests: %v", err)
		}
		if len(m) > 0 {
			out = append(out, &unstructured.Unstructured{Object: m})
		}
	}
}

// objectKey names an object the way the install tests compare them.
func objectKey(u *unstructured.Unstructured) string {
	return fmt.Sprintf("%s %s/%s", u.GetKind(), u.GetNamespace(), u.GetName())
}
