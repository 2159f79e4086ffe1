package integration

import (
	"fmt"
	"slices"
	"strings"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

// targetLabels are the labels Prometheus adds to every series of a target;
// no scrape shows them. up is the series Prometheus writes per target.
var targetLabels = []string{"job", "instance"}

const upMetric = "up"

// scraped is what a set of /metrics pages exposes: each series name with
// the label names seen on it.
type scraped map[string]map[string]bool

// checkExpr parses one PromQL expression and returns what it uses that the
// scrape does not have: a metric name no binary exports, a label that no
// series of the metric carries, a grouping or matching label that none of
// the series it applies to carries.
func checkExpr(expr string, have scraped) ([]string, error) {
	e, err := parseExpr(expr)
	if err != nil {
		return nil, err
	}
	var problems []string
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		switch n := n.(type) {
		case *parser.VectorSelector:
			problems = append(problems, checkSelector(n, have)...)
		case *parser.AggregateExpr:
			problems = append(problems, checkLabels("aggregation", n.Grouping, labelsUnder(n.Expr, have))...)
		case *parser.BinaryExpr:
			if m := n.VectorMatching; m != nil {
				both := labelsUnder(n.LHS, have)
				for l := range labelsUnder(n.RHS, have) {
					both[l] = true
				}
				problems = append(problems, checkLabels("vector matching", m.MatchingLabels, both)...)
				problems = append(problems, checkLabels("group modifier", m.Include, both)...)
			}
		}
		return nil
	})
	return problems, nil
}

// selectorName is the metric a selector names, "" if it names none.
func selectorName(vs *parser.VectorSelector) string {
	if vs.Name != "" {
		return vs.Name
	}
	for _, m := range vs.LabelMatchers {
		if m.Name == model.MetricNameLabel && m.Type == labels.MatchEqual {
			return m.Value
		}
	}
	return ""
}

func checkSelector(vs *parser.VectorSelector, have scraped) []string {
	name := selectorName(vs)
	if name == upMetric {
		return checkMatchers(vs, name, map[string]bool{})
	}
	ls, ok := have[name]
	if !ok {
		return []string{fmt.Sprintf("metric %q is not exported by any binary", name)}
	}
	return checkMatchers(vs, name, ls)
}

func checkMatchers(vs *parser.VectorSelector, name string, ls map[string]bool) []string {
	var out []string
	for _, m := range vs.LabelMatchers {
		if m.Name == model.MetricNameLabel || ls[m.Name] || slices.Contains(targetLabels, m.Name) {
			continue
		}
		out = append(out, fmt.Sprintf("metric %q has no label %q", name, m.Name))
	}
	return out
}

func checkLabels(what string, names []string, ls map[string]bool) []string {
	var out []string
	for _, l := range names {
		if !ls[l] && !slices.Contains(targetLabels, l) {
			out = append(out, fmt.Sprintf("%s by %q: no series under it has that label", what, l))
		}
	}
	return out
}

// labelsUnder collects the label names of every series the selectors in e
// select.
func labelsUnder(e parser.Node, have scraped) map[string]bool {
	out := map[string]bool{}
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		if vs, ok := n.(*parser.VectorSelector); ok {
			for l := range have[selectorName(vs)] {
				out[l] = true
			}
		}
		return nil
	})
	return out
}

func parseExpr(expr string) (parser.Expr, error) {
	return parser.NewParser(parser.Options{}).ParseExpr(expr)
}

// grafanaVars replaces the variables Grafana fills in before a query is
// sent with values of the same type, so the query parses as PromQL.
func grafanaVars(q string) string {
	return strings.NewReplacer("$__rate_interval", "5m", "$__interval", "1m", "$__range", "1h").Replace(q)
}
