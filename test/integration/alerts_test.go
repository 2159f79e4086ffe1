package integration

import (
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"testing"
	"time"

	"sigs.k8s.io/yaml"
)

// TestAlerts runs the controller and a speaker (the farol binary) against
// the API server, gives their metrics values and scrapes them, then checks
// the shipped alert rules and dashboard against that scrape: every metric
// and label an expression uses is exported, and every alert fires in a
// promtool unit test whose series are the scraped ones, and stays quiet in
// another.
func TestAlerts(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatal("promtool is missing: hack/deps.sh installs it (Debian package prometheus)")
	}
	rulesPath := filepath.Join(repoRoot(), "config", "prometheus", "alerts.rules.yaml")
	dashboardPath := filepath.Join(repoRoot(), "config", "grafana", "farol-dashboard.json")
	rules := readRules(t, rulesPath)
	panels := readDashboard(t, dashboardPath)

	e := newEnv(t)
	s := alertWorld(e)
	have := names(s.controller, s.speaker)

	t.Run("rules use exported metrics", func(t *testing.T) {
		for _, r := range rules.alerts() {
			problems, err := checkExpr(r.Expr, have)
			if err != nil {
				t.Errorf("%s: %v", r.Alert, err)
			}
			for _, p := range problems {
				t.Errorf("%s: %s", r.Alert, p)
			}
		}
	})
	t.Run("dashboard uses exported metrics", func(t *testing.T) {
		for _, q := range panels {
			expr := grafanaVars(q.Expr)
			problems, err := checkExpr(expr, have)
			if err != nil {
				t.Errorf("panel %q: %v", q.panel, err)
				continue
			}
			for _, p := range problems {
				t.Errorf("panel %q: %s", q.panel, p)
			}
			for _, l := range legendLabels(q.LegendFormat) {
				if !exprLabels(expr, have)[l] {
					t.Errorf("panel %q: legend names label %q, which no series of %s has", q.panel, l, q.Expr)
				}
			}
		}
	})
	t.Run("promtool", func(t *testing.T) {
		cases, err := alertCases(s)
		if err != nil {
			t.Fatal(err)
		}
		checkCoverage(t, rules, cases)
		if out, err := exec.Command(promtool, "check", "rules", rulesPath).CombinedOutput(); err != nil {
			t.Fatalf("promtool check rules: %v\n%s", err, out)
		}
		testFile := writePromtoolTests(t, rules, cases)
		if out, err := exec.Command(promtool, "test", "rules", testFile).CombinedOutput(); err != nil {
			t.Fatalf("promtool test rules: %v\n%s", err, out)
		}
	})
	// Last, as it changes the world: the per-Service series end when the
	// Service stops waiting or is gone, so the alerts resolve.
	t.Run("series end", func(t *testing.T) {
		e := e.sub(t)
		if err := e.c.Delete(e.ctx, e.service("silent")); err != nil {
			t.Fatal(err)
		}
		e.waitAddresses("waiting", 1)
		e.eventually("per-Service series gone", 20*time.Second, func() string {
			for _, p := range s.perService() {
				now, err := scrapeTarget(t, p.tg.job, p.tg.instance)
				if err != nil {
					return err.Error()
				}
				if ps, err := now.pick(p.name, p.match); err == nil {
					return "still scraped: " + ps.String()
				}
			}
			return ""
		})
	})
}

type ruleFile struct {
	Groups []ruleGroup `json:"groups"`
}

type ruleGroup struct {
	Name  string `json:"name"`
	Rules []rule `json:"rules"`
}

type rule struct {
	Alert       string            `json:"alert,omitempty"`
	Record      string            `json:"record,omitempty"`
	Expr        string            `json:"expr"`
	For         string            `json:"for,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

func readRules(t *testing.T, path string) ruleFile {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var f ruleFile
	if err := yaml.UnmarshalStrict(b, &f); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return f
}

func (f ruleFile) alerts() []rule {
	var out []rule
	for _, g := range f.Groups {
		out = append(out, g.Rules...)
	}
	return out
}

// dashboardQuery is one target of one panel.
type dashboardQuery struct {
	panel        string
	Expr         string `json:"expr"`
	LegendFormat string `json:"legendFormat"`
}

type dashboardPanel struct {
	Title   string           `json:"title"`
	Targets []dashboardQuery `json:"targets"`
	Panels  []dashboardPanel `json:"panels"` // a collapsed row's
}

// readDashboard returns every query of the dashboard's panels, rows
// included; a dashboard without any fails.
func readDashboard(t *testing.T, path string) []dashboardQuery {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Panels []dashboardPanel `json:"panels"`
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var out []dashboardQuery
	var walk func([]dashboardPanel)
	walk = func(ps []dashboardPanel) {
		for _, p := range ps {
			for _, q := range p.Targets {
				q.panel = p.Title
				out = append(out, q)
			}
			walk(p.Panels)
		}
	}
	walk(d.Panels)
	if len(out) == 0 {
		t.Fatalf("%s: no queries", path)
	}
	return out
}

var legendLabel = regexp.MustCompile(`{{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*}}`)

func legendLabels(format string) []string {
	var out []string
	for _, m := range legendLabel.FindAllStringSubmatch(format, -1) {
		out = append(out, m[1])
	}
	return out
}

// exprLabels are the labels the series an expression reads carry, target
// labels included.
func exprLabels(expr string, have scraped) map[string]bool {
	e, err := parseExpr(expr)
	if err != nil {
		return nil
	}
	out := labelsUnder(e, have)
	for _, l := range targetLabels {
		out[l] = true
	}
	return out
}

var annotationLabel = regexp.MustCompile(`\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)`)

// checkCoverage: every alert has a case that fires and one that does not,
// every case names an alert that exists, and every label an annotation
// prints is on the alerts that fire (a label the expression aggregated
// away would print as nothing).
func checkCoverage(t *testing.T, rules ruleFile, cases []alertCase) {
	t.Helper()
	byName := map[string]rule{}
	for _, r := range rules.alerts() {
		if r.Alert != "" {
			byName[r.Alert] = r
		}
	}
	fires, quiet := map[string]bool{}, map[string]bool{}
	for _, c := range cases {
		r, ok := byName[c.alert]
		if !ok {
			t.Errorf("case %q: no alert %s in the rules", c.name, c.alert)
			continue
		}
		if len(c.fires) == 0 {
			quiet[c.alert] = true
			continue
		}
		fires[c.alert] = true
		for _, text := range r.Annotations {
			for _, m := range annotationLabel.FindAllStringSubmatch(text, -1) {
				for _, l := range c.fires {
					if _, ok := l[m[1]]; !ok && r.Labels[m[1]] == "" {
						t.Errorf("%s: an annotation prints $labels.%s, which the alert does not carry (it has %v)",
							c.alert, m[1], slices.Sorted(maps.Keys(l)))
					}
				}
			}
		}
	}
	for name := range byName {
		if !fires[name] || !quiet[name] {
			t.Errorf("%s: needs a case where it fires (%v) and one where it stays quiet (%v)", name, fires[name], quiet[name])
		}
	}
}

// TestPrometheusRule: the generated PrometheusRule carries the rule file's
// groups unchanged, under the name, namespace and labels the install uses,
// and the API server accepts it under the Prometheus Operator's schema.
func TestPrometheusRule(t *testing.T) {
	rules := readRules(t, filepath.Join(repoRoot(), "config", "prometheus", "alerts.rules.yaml"))
	path := filepath.Join(repoRoot(), "config", "prometheus", "prometheusrule.yaml")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var pr struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Name      string            `json:"name"`
			Namespace string            `json:"namespace"`
			Labels    map[string]string `json:"labels"`
		} `json:"metadata"`
		Spec ruleFile `json:"spec"`
	}
	if err := yaml.UnmarshalStrict(b, &pr); err != nil {
		t.Fatal(err)
	}
	if pr.APIVersion != "monitoring.coreos.com/v1" || pr.Kind != "PrometheusRule" ||
		pr.Metadata.Name != "farol" || pr.Metadata.Namespace != "farol-system" || pr.Metadata.Labels["app.kubernetes.io/name"] != "farol" {
		t.Errorf("PrometheusRule header: %s %s %s/%s %v", pr.APIVersion, pr.Kind, pr.Metadata.Namespace, pr.Metadata.Name, pr.Metadata.Labels)
	}
	if !reflect.DeepEqual(pr.Spec, rules) {
		t.Errorf("spec.groups differ from alerts.rules.yaml:\n%+v\n%+v", pr.Spec, rules)
	}
	e := newEnv(t)
	if err := e.cl.InstallCRDs(e.ctx, repoPath("test/integration/testdata/monitoring-crds")); err != nil {
		t.Fatal(err)
	}
	kubectl(t, e.cl, nil, "apply", "--dry-run=server", "-f", path)
}
