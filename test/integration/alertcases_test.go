package integration

import (
	"fmt"
	"maps"
)

// An alertCase is one promtool unit test of one alert: series taken from
// a real scrape (names and labels exactly as exported, plus the target
// labels Prometheus adds), values scripted so that the alert fires or
// stays quiet at evalAt.
type alertCase struct {
	name   string
	alert  string
	input  []inputSeries
	evalAt string
	// fires lists the label sets of the alerts expected to fire, without
	// alertname and the rule's own labels; none means the alert is quiet.
	fires []map[string]string
}

type inputSeries struct {
	series promSeries
	values string
}

// scrapes are the targets a Prometheus would scrape in the test's world:
// the controller and two speakers. The second speaker is the first one's
// series under another instance: the same binary exports the same series.
type scrapes struct {
	controller, speaker, speaker2 *target
	// pool, pending and unannounced pick the series the world made:
	// the announced pool's IPv4 use, the Service left waiting, the
	// Service nobody announces.
	pool, pending, unannounced map[string]string
}

// seriesRef names a series of a target by its name and some labels.
type seriesRef struct {
	tg    *target
	name  string
	match map[string]string
}

// perService are the series the world made for one Service each: the one
// waiting for an address and the one nobody announces.
func (s scrapes) perService() []seriesRef {
	return []seriesRef{
		{s.controller, "farol_service_pending", s.pending},
		{s.speaker, "farol_speaker_unannounced_addresses", s.unannounced},
	}
}

// alertCases returns a firing and a quiet case for every alert.
func alertCases(s scrapes) ([]alertCase, error) {
	var errs []error
	pick := func(tg *target, name string, match map[string]string) promSeries {
		ps, err := tg.pick(name, match)
		if err != nil {
			errs = append(errs, err)
		}
		return ps
	}
	inUse := pick(s.controller, "farol_pool_in_use_addresses", s.pool)
	capacity := pick(s.controller, "farol_pool_capacity_addresses", s.pool)
	pending := pick(s.controller, "farol_service_pending", s.pending)
	silent1 := pick(s.speaker, "farol_speaker_unannounced_addresses", s.unannounced)
	silent2 := pick(s.speaker2, "farol_speaker_unannounced_addresses", s.unannounced)
	members1 := pick(s.speaker, "farol_speaker_live_members", nil)
	members2 := pick(s.speaker2, "farol_speaker_live_members", nil)
	if len(errs) > 0 {
		return nil, fmt.Errorf("the scrape lacks series the alerts use: %v", errs)
	}
	up1, up2, upCtl := s.speaker.up(), s.speaker2.up(), s.controller.up()
	// The job names the Prometheus Operator gives the shipped monitors: a
	// PodMonitor's is namespace/name, a ServiceMonitor's the Service's.
	podMonUp1 := up1.with(map[string]string{"job": "farol-system/farol-speaker"})
	svcMonUp2 := up2.with(map[string]string{"job": "farol-speaker-metrics"})
	svcMonUpCtl := upCtl.with(map[string]string{"job": "farol-controller-metrics"})
	in := func(ps promSeries, values string) inputSeries { return inputSeries{ps, values} }
	return []alertCase{
		{
			name: "pool at 95% for 20m", alert: "FarolAddressPoolNearlyExhausted", evalAt: "20m",
			input: []inputSeries{in(capacity, "100x30"), in(inUse, "95x30")},
			fires: []map[string]string{seriesLabels(inUse.labels)},
		},
		{
			name: "pool at 85%", alert: "FarolAddressPoolNearlyExhausted", evalAt: "20m",
			input: []inputSeries{in(capacity, "100x30"), in(inUse, "85x30")},
		},
		{
			name: "pool at 95% for 10m only", alert: "FarolAddressPoolNearlyExhausted", evalAt: "20m",
			input: []inputSeries{in(capacity, "100x30"), in(inUse, "50x10 95x20")},
		},
		{
			name: "Service waiting 10m", alert: "FarolServiceWithoutAddress", evalAt: "10m",
			input: []inputSeries{in(pending, "1x10")},
			fires: []map[string]string{seriesLabels(pending.labels)},
		},
		{
			name: "Service got its address after 3m", alert: "FarolServiceWithoutAddress", evalAt: "6m",
			input: []inputSeries{in(pending, "1x3 stale")},
		},
		{
			name: "address nobody announces for 10m, seen by both speakers", alert: "FarolAddressNotAnnounced", evalAt: "10m",
			input: []inputSeries{in(silent1, "1x10"), in(silent2, "1x10")},
			fires: []map[string]string{only(silent1.labels, "namespace", "service")},
		},
		{
			name: "address announced again after 3m", alert: "FarolAddressNotAnnounced", evalAt: "6m",
			input: []inputSeries{in(silent1, "1x3 stale"), in(silent2, "1x3 stale")},
		},
		{
			name: "one speaker down for 10m", alert: "FarolSpeakerDown", evalAt: "10m",
			input: []inputSeries{in(podMonUp1, "0x10"), in(svcMonUp2, "1x10")},
			fires: []map[string]string{seriesLabels(podMonUp1.labels)},
		},
		{
			name: "a speaker back after 3m", alert: "FarolSpeakerDown", evalAt: "10m",
			input: []inputSeries{in(podMonUp1, "1x10"), in(svcMonUp2, "0x3 1x7")},
		},
		{
			name: "every speaker down for 10m", alert: "FarolSpeakersAbsent", evalAt: "10m",
			input: []inputSeries{in(up1, "0x10"), in(up2, "0x10")},
			fires: []map[string]string{{}},
		},
		{
			name: "one speaker of two up", alert: "FarolSpeakersAbsent", evalAt: "10m",
			input: []inputSeries{in(up1, "0x10"), in(up2, "1x10")},
		},
		{
			name: "a speaker sees one member of two for 10m", alert: "FarolSpeakerPartition", evalAt: "10m",
			input: []inputSeries{in(up1, "1x10"), in(up2, "1x10"), in(members1, "1x10"), in(members2, "2x10")},
			fires: []map[string]string{seriesLabels(members1.labels)},
		},
		{
			name: "both speakers see both", alert: "FarolSpeakerPartition", evalAt: "10m",
			input: []inputSeries{in(up1, "1x10"), in(up2, "1x10"), in(members1, "2x10"), in(members2, "2x10")},
		},
		{
			name: "controller down for 10m", alert: "FarolControllerAbsent", evalAt: "10m",
			input: []inputSeries{in(upCtl, "0x10")},
			fires: []map[string]string{{}},
		},
		{
			name: "controller up", alert: "FarolControllerAbsent", evalAt: "10m",
			input: []inputSeries{in(svcMonUpCtl, "1x10")},
		},
	}, nil
}

// seriesLabels is a series' labels as an alert carries them: the name dropped
// by the expression, the rest kept.
func seriesLabels(l map[string]string) map[string]string { return maps.Clone(l) }

// only keeps the named labels, as an aggregation by them does.
func only(l map[string]string, keep ...string) map[string]string {
	out := map[string]string{}
	for _, k := range keep {
		out[k] = l[k]
	}
	return out
}
