package integration

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/farol-lb/farol/test/cluster"
)

// chartValuesFiles are the chart's default values (no file) and every file
// in charts/farol/ci, which together change every value.
func chartValuesFiles(t *testing.T) [][]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(repoPath(chartDir), "ci", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no values files in %s/ci: %v", chartDir, err)
	}
	out := [][]string{nil}
	for _, f := range files {
		out = append(out, []string{filepath.Join("ci", filepath.Base(f))})
	}
	return out
}

// TestChartLint: helm lint --strict reports nothing worse than INFO for
// each values file, and helm template renders.
func TestChartLint(t *testing.T) {
	for _, values := range chartValuesFiles(t) {
		t.Run(strings.Join(append([]string{"default"}, values...), "+"), func(t *testing.T) {
			args := []string{"lint", repoPath(chartDir), "--strict"}
			for _, f := range values {
				args = append(args, "--values", filepath.Join(repoPath(chartDir), f))
			}
			out := string(tool(t, "helm", args...))
			for _, bad := range []string{"[WARNING]", "[ERROR]"} {
				if strings.Contains(out, bad) {
					t.Errorf("helm lint: %s", out)
				}
			}
			if len(decodeObjects(t, renderChart(t, values...))) == 0 {
				t.Error("helm template rendered no objects")
			}
		})
	}
}

// TestChartMatchesKustomize: with default values the chart renders the
// same objects as config/default, field for field, except the labels and
// annotations Helm adds. The two are written separately (one is a
// template), so this is what keeps them the same install.
func TestChartMatchesKustomize(t *testing.T) {
	chart := byKey(t, decodeObjects(t, renderChart(t)))
	kust := byKey(t, decodeObjects(t, renderKustomize(t, kustomizeDefault)))
	for _, k := range sortedKeys(kust) {
		c, ok := chart[k]
		if !ok {
			// The Namespace: Helm installs into one that exists
			// (namespace.create renders it for helm template).
			if strings.HasPrefix(k, "Namespace ") {
				continue
			}
			t.Errorf("%s: in config/default, not in the chart", k)
			continue
		}
		if d := diffPaths("", withoutMetadataExtras(kust[k]), withoutMetadataExtras(c)); len(d) > 0 {
			t.Errorf("%s differs (kustomize != chart):\n%s", k, strings.Join(d, "\n"))
		}
	}
	for _, k := range sortedKeys(chart) {
		if _, ok := kust[k]; !ok {
			t.Errorf("%s: in the chart, not in config/default", k)
		}
	}
}

func byKey(t *testing.T, objs []*unstructured.Unstructured) map[string]*unstructured.Unstructured {
	t.Helper()
	m := make(map[string]*unstructured.Unstructured, len(objs))
	for _, o := range objs {
		if _, dup := m[objectKey(o)]; dup {
			t.Errorf("%s rendered twice", objectKey(o))
		}
		m[objectKey(o)] = o
	}
	return m
}

func sortedKeys(m map[string]*unstructured.Unstructured) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// withoutMetadataExtras is the object without metadata labels and
// annotations, which differ by design (Helm's release labels, the CRDs'
// resource-policy).
func withoutMetadataExtras(u *unstructured.Unstructured) map[string]any {
	c := u.DeepCopy()
	c.SetLabels(nil)
	c.SetAnnotations(nil)
	if reflect.DeepEqual(c.Object["metadata"], map[string]any{}) {
		delete(c.Object, "metadata")
	}
	return c.Object
}

// diffPaths lists where two decoded objects differ, one line per field.
func diffPaths(path string, a, b any) []string {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if aok && bok {
		var out []string
		keys := make([]string, 0, len(am)+len(bm))
		for k := range am {
			keys = append(keys, k)
		}
		for k := range bm {
			if _, ok := am[k]; !ok {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			out = append(out, diffPaths(path+"."+k, am[k], bm[k])...)
		}
		return out
	}
	as, aok := a.([]any)
	bs, bok := b.([]any)
	if aok && bok && len(as) == len(bs) {
		var out []string
		for i := range as {
			out = append(out, diffPaths(fmt.Sprintf("%s[%d]", path, i), as[i], bs[i])...)
		}
		return out
	}
	if reflect.DeepEqual(a, b) {
		return nil
	}
	return []string{fmt.Sprintf("  %s: %v != %v", path, a, b)}
}

// TestChartRefusesBadValues: values.schema.json refuses a misspelt or
// out-of-range value instead of ignoring it.
func TestChartRefusesBadValues(t *testing.T) {
	helm, err := cluster.Binary("helm")
	if err != nil {
		t.Fatal(err)
	}
	for set, want := range map[string]string{
		"l2.enable=true":              "'enable' not allowed",
		"logLevel=warn":               "logLevel",
		"webhook.failurePolicy=Maybe": "failurePolicy",
		"controller.replicas=-1":      "replicas",
	} {
		t.Run(set, func(t *testing.T) {
			out, err := exec.Command(helm, "template", "farol", repoPath(chartDir), "--set", set).CombinedOutput()
			if err == nil || !strings.Contains(string(out), want) {
				t.Errorf("helm template --set %s: %v, want an error with %q:\n%s", set, err, want, out)
			}
		})
	}
}
