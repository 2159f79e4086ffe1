package l2

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the Announcer's collectors. Counters are labelled by interface
// and family so an operator can tell which link is busy or silent.
type metrics struct {
	requests   *prometheus.CounterVec
	replies    *prometheus.CounterVec
	gratuitous *prometheus.CounterVec
	owned      *prometheus.GaugeVec
}

// newMetrics creates the collectors and registers them on reg (nil: not at
// all). A collector already registered by an earlier Announcer on the same
// registry is reused, so a restarted Announcer keeps counting; any other
// registration failure is returned, with the collectors still usable.
func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "farol_l2_requests_received_total",
			Help: "ARP requests and Neighbor Solicitations received for an address this node owns.",
		}, []string{"interface", "family"}),
		replies: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "farol_l2_replies_sent_total",
			Help: "ARP replies and solicited Neighbor Advertisements sent.",
		}, []string{"interface", "family"}),
		gratuitous: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "farol_l2_gratuitous_sent_total",
			Help: "Gratuitous ARP packets and unsolicited Neighbor Advertisements sent.",
		}, []string{"interface", "family"}),
		owned: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "farol_l2_addresses_owned",
			Help: "Addresses this node answers for on at least one interface.",
		}, []string{"family"}),
	}
	if reg == nil {
		return m, nil
	}
	var errs []error
	m.requests, errs = register(reg, m.requests, errs)
	m.replies, errs = register(reg, m.replies, errs)
	m.gratuitous, errs = register(reg, m.gratuitous, errs)
	m.owned, errs = register(reg, m.owned, errs)
	return m, errors.Join(errs...)
}

func register[C prometheus.Collector](reg prometheus.Registerer, c C, errs []error) (C, []error) {
	err := reg.Register(c)
	if are, ok := errors.AsType[prometheus.AlreadyRegisteredError](err); ok {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing, errs
		}
	}
	if err != nil {
		errs = append(errs, err)
	}
	return c, errs
}
