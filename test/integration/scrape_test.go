package integration

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// promSeries is one series as Prometheus stores it: a name and labels.
type promSeries struct {
	name   string
	labels map[string]string
}

// String writes the series in PromQL notation, labels sorted, as promtool
// reads it in input_series.
func (s promSeries) String() string {
	keys := slices.Sorted(maps.Keys(s.labels))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + strconv.Quote(s.labels[k])
	}
	return s.name + "{" + strings.Join(parts, ",") + "}"
}

// with returns a copy with more labels.
func (s promSeries) with(extra map[string]string) promSeries {
	l := maps.Clone(s.labels)
	maps.Copy(l, extra)
	return promSeries{name: s.name, labels: l}
}

// target is one scraped endpoint, with the labels Prometheus would add.
type target struct {
	job, instance string
	series        []promSeries // as scraped, target labels added
}

// scrapeTarget reads http://instance/metrics and returns its series, each
// histogram and summary expanded into the series Prometheus stores for it.
func scrapeTarget(t *testing.T, job, instance string) (*target, error) {
	t.Helper()
	resp, err := http.Get("http://" + instance + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s/metrics: %s", instance, resp.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("parse %s/metrics: %w", instance, err)
	}
	tg := &target{job: job, instance: instance}
	add := func(name string, m *dto.Metric, extra ...string) {
		l := map[string]string{"job": job, "instance": instance}
		for _, lp := range m.GetLabel() {
			l[lp.GetName()] = lp.GetValue()
		}
		for i := 0; i+1 < len(extra); i += 2 {
			l[extra[i]] = extra[i+1]
		}
		tg.series = append(tg.series, promSeries{name: name, labels: l})
	}
	for name, f := range fams {
		for _, m := range f.GetMetric() {
			switch f.GetType() {
			case dto.MetricType_HISTOGRAM:
				for _, b := range m.GetHistogram().GetBucket() {
					add(name+"_bucket", m, "le", strconv.FormatFloat(b.GetUpperBound(), 'g', -1, 64))
				}
				add(name+"_bucket", m, "le", "+Inf")
				add(name+"_sum", m)
				add(name+"_count", m)
			case dto.MetricType_SUMMARY:
				for _, q := range m.GetSummary().GetQuantile() {
					add(name, m, "quantile", strconv.FormatFloat(q.GetQuantile(), 'g', -1, 64))
				}
				add(name+"_sum", m)
				add(name+"_count", m)
			default:
				add(name, m)
			}
		}
	}
	return tg, nil
}

// pick returns the series of the target with this name whose labels
// include every given pair.
func (tg *target) pick(name string, match map[string]string) (promSeries, error) {
	for _, s := range tg.series {
		if s.name != name {
			continue
		}
		ok := true
		for k, v := range match {
			ok = ok && s.labels[k] == v
		}
		if ok {
			return s, nil
		}
	}
	return promSeries{}, fmt.Errorf("%s/metrics at %s has no %s with %v", tg.job, tg.instance, name, match)
}

// up is the series Prometheus writes for the target itself.
func (tg *target) up() promSeries {
	return promSeries{name: upMetric, labels: map[string]string{"job": tg.job, "instance": tg.instance}}
}

// names lists every metric of the targets with the label names seen on it,
// target labels left out.
func names(tgs ...*target) scraped {
	out := scraped{}
	for _, tg := range tgs {
		for _, s := range tg.series {
			if out[s.name] == nil {
				out[s.name] = map[string]bool{}
			}
			for l := range s.labels {
				if !slices.Contains(targetLabels, l) {
					out[s.name][l] = true
				}
			}
		}
	}
	return out
}
