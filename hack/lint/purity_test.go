// Package lint holds repository-wide checks that a linter configuration
// would otherwise express (depguard): pure packages stay pure.
package lint

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

// pure lists packages that must not depend on a Kubernetes client or on
// controller-runtime: they take plain values and are tested in
// microseconds.
var pure = []string{
	"github.com/farol-lb/farol/internal/ipam",
	"github.com/farol-lb/farol/internal/election",
	"github.com/farol-lb/farol/internal/speaker",
}

var forbidden = []string{"k8s.io/client-go", "sigs.k8s.io/controller-runtime", "k8s.io/api/"}

func TestPurePackagesImportNoClient(t *testing.T) {
	for _, pkg := range pure {
		out, err := exec.Command("go", "list", "-deps", "-json=ImportPath", pkg).Output()
		if err != nil {
			t.Fatalf("go list %s: %v", pkg, err)
		}
		dec := json.NewDecoder(strings.NewReader(string(out)))
		for dec.More() {
			var p struct{ ImportPath string }
			if err := dec.Decode(&p); err != nil {
				t.Fatal(err)
			}
			for _, f := range forbidden {
				if strings.HasPrefix(p.ImportPath, f) {
					t.Errorf("%s depends on %s; pure packages take plain values", pkg, p.ImportPath)
				}
			}
		}
	}
}
