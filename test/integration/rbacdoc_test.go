package integration

import (
	"bytes"
	"errors"
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// TestRBACDocTable: docs/rbac.md has exactly one row, with a reason, for
// every rule of the generated roles (one row per resource of a rule), so a
// permission added to a marker fails here until it is explained.
func TestRBACDocTable(t *testing.T) {
	want := map[string]bool{}
	for _, sa := range []string{"controller", "speaker"} {
		for _, row := range roleRows(t, "config/rbac/"+sa+"/role.yaml") {
			want[row] = true
		}
	}
	got := docRows(t, "docs/rbac.md")
	for row := range want {
		if _, ok := got[row]; !ok {
			t.Errorf("docs/rbac.md has no row for the rule | %s |", row)
		}
	}
	for row, why := range got {
		if !want[row] {
			t.Errorf("docs/rbac.md row | %s | matches no rule of the generated roles", row)
		}
		if why == "" {
			t.Errorf("docs/rbac.md row | %s | gives no reason", row)
		}
	}
}

// roleRows lists a generated role file's rules as table keys:
// "account | scope | group | resource | verbs | names".
func roleRows(t *testing.T, file string) []string {
	t.Helper()
	b, err := os.ReadFile(repoPath(file))
	if err != nil {
		t.Fatal(err)
	}
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(b), 4096)
	var rows []string
	for {
		var role struct {
			Kind     string
			Metadata struct{ Name, Namespace string }
			Rules    []rbacv1.PolicyRule
		}
		err := dec.Decode(&role)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		scope := "cluster"
		if role.Kind == "Role" {
			scope = role.Metadata.Namespace
		}
		for _, r := range role.Rules {
			verbs := slices.Sorted(slices.Values(r.Verbs))
			for _, g := range r.APIGroups {
				if g == "" {
					g = "core"
				}
				for _, res := range r.Resources {
					rows = append(rows, strings.Join([]string{role.Metadata.Name, scope, g, res,
						strings.Join(verbs, ", "), strings.Join(r.ResourceNames, ", ")}, " | "))
				}
			}
		}
	}
	if len(rows) == 0 {
		t.Fatalf("%s has no rules", file)
	}
	return rows
}

// docRows reads the permission table: row key (as roleRows) -> reason.
func docRows(t *testing.T, file string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(repoPath(file))
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{}
	for line := range strings.Lines(string(b)) {
		if !strings.HasPrefix(line, "| farol-") {
			continue
		}
		cells := strings.Split(strings.Trim(strings.TrimSpace(line), "|"), "|")
		if len(cells) != 7 {
			t.Errorf("%s: want 7 cells: %s", file, line)
			continue
		}
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		key := strings.Join(cells[:6], " | ")
		if _, dup := rows[key]; dup {
			t.Errorf("%s: row | %s | twice", file, key)
		}
		rows[key] = cells[6]
	}
	return rows
}
