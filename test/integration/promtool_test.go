package integration

import (
	"maps"
	"os"
	"path/filepath"
	"testing"

	"sigs.k8s.io/yaml"
)

// The file `promtool test rules` reads.
type promtoolTests struct {
	RuleFiles          []string       `json:"rule_files"`
	EvaluationInterval string         `json:"evaluation_interval"`
	Tests              []promtoolTest `json:"tests"`
}

type promtoolTest struct {
	Name          string          `json:"name"`
	Interval      string          `json:"interval"`
	InputSeries   []promtoolInput `json:"input_series"`
	AlertRuleTest []alertRuleTest `json:"alert_rule_test"`
}

type promtoolInput struct {
	Series string `json:"series"`
	Values string `json:"values"`
}

type alertRuleTest struct {
	EvalTime  string     `json:"eval_time"`
	Alertname string     `json:"alertname"`
	ExpAlerts []expAlert `json:"exp_alerts"`
}

type expAlert struct {
	ExpLabels map[string]string `json:"exp_labels"`
}

// writePromtoolTests writes the cases as a promtool unit-test file and
// returns its path. promtool compares annotations verbatim, so the rules
// it evaluates are the shipped ones with their annotations left out
// (checkCoverage checks the labels those print); expressions, durations
// and labels are the shipped ones.
func writePromtoolTests(t *testing.T, rules ruleFile, cases []alertCase) string {
	t.Helper()
	dir := t.TempDir()
	bare := ruleFile{}
	labelsOf := map[string]map[string]string{}
	for _, g := range rules.Groups {
		ng := ruleGroup{Name: g.Name}
		for _, r := range g.Rules {
			r.Annotations = nil
			ng.Rules = append(ng.Rules, r)
			labelsOf[r.Alert] = r.Labels
		}
		bare.Groups = append(bare.Groups, ng)
	}
	writeYAML(t, filepath.Join(dir, "rules.yaml"), bare)

	f := promtoolTests{RuleFiles: []string{"rules.yaml"}, EvaluationInterval: "1m"}
	for _, c := range cases {
		pt := promtoolTest{Name: c.alert + ": " + c.name, Interval: "1m"}
		for _, in := range c.input {
			pt.InputSeries = append(pt.InputSeries, promtoolInput{Series: in.series.String(), Values: in.values})
		}
		exp := []expAlert{}
		for _, l := range c.fires {
			want := maps.Clone(l)
			maps.Copy(want, labelsOf[c.alert])
			exp = append(exp, expAlert{ExpLabels: want})
		}
		pt.AlertRuleTest = []alertRuleTest{{EvalTime: c.evalAt, Alertname: c.alert, ExpAlerts: exp}}
		f.Tests = append(f.Tests, pt)
	}
	path := filepath.Join(dir, "alerts_test.yaml")
	writeYAML(t, path, f)
	return path
}

func writeYAML(t *testing.T, path string, v any) {
	t.Helper()
	b, err := yaml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
