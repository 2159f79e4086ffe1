package metrics

import (
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/farol-lb/farol/internal/ipam"
)

// Controller holds the allocating controller's metrics.
type Controller struct {
	PoolCapacity  *prometheus.GaugeVec
	PoolInUse     *prometheus.GaugeVec
	Allocations   *prometheus.CounterVec
	Failures      *prometheus.CounterVec
	TimeToAddress prometheus.Histogram
	// Pending has one series per Service that waits for an address, so
	// an alert can name the Service and how long it has waited.
	Pending *prometheus.GaugeVec
}

// NewController creates the controller's metrics and registers them on reg.
func NewController(reg prometheus.Registerer) (*Controller, error) {
	m := &Controller{
		PoolCapacity: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "farol_pool_capacity_addresses",
			Help: "Addresses in an AddressPool, per family (IPv6 pools above 2^53 are approximate).",
		}, []string{"pool", "family"}),
		PoolInUse: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "farol_pool_in_use_addresses",
			Help: "Addresses of an AddressPool assigned to Services, per family.",
		}, []string{"pool", "family"}),
		Allocations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "farol_allocations_total",
			Help: "Addresses assigned to Services, per pool.",
		}, []string{"pool"}),
		Failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "farol_allocation_failures_total",
			Help: "Failed assignment attempts, per reason.",
		}, []string{"reason"}),
		TimeToAddress: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "farol_time_to_address_seconds",
			Help:    "Time from a Service's creation until its address was written (creation time has one-second resolution).",
			Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60},
		}),
		Pending: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "farol_service_pending",
			Help: "1 for each Service of Farol's that waits for an address, with the reason of its last failed attempt; absent once it has one.",
		}, []string{"namespace", "service", "reason"}),
	}
	for _, c := range []prometheus.Collector{m.PoolCapacity, m.PoolInUse, m.Allocations, m.Failures, m.TimeToAddress, m.Pending} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// SetPoolUsage records one pool's capacity and use.
func (m *Controller) SetPoolUsage(pool string, u map[ipam.Family]ipam.Usage) {
	for _, f := range []ipam.Family{ipam.IPv4, ipam.IPv6} {
		fu, ok := u[f]
		if !ok || fu.Capacity == nil || fu.Capacity.Sign() == 0 {
			m.PoolCapacity.DeleteLabelValues(pool, f.String())
			m.PoolInUse.DeleteLabelValues(pool, f.String())
			continue
		}
		capacity, _ := fu.Capacity.Float64()
		m.PoolCapacity.WithLabelValues(pool, f.String()).Set(capacity)
		m.PoolInUse.WithLabelValues(pool, f.String()).Set(float64(fu.InUse))
	}
}

// ForgetPool drops a deleted pool's series.
func (m *Controller) ForgetPool(pool string) {
	m.PoolCapacity.DeletePartialMatch(prometheus.Labels{"pool": pool})
	m.PoolInUse.DeletePartialMatch(prometheus.Labels{"pool": pool})
}

// SetPending records that a Service ("namespace/name") waits for an
// address, replacing the reason of an earlier attempt.
func (m *Controller) SetPending(service, reason string) {
	ns, name, _ := strings.Cut(service, "/")
	m.Pending.DeletePartialMatch(prometheus.Labels{"namespace": ns, "service": name})
	m.Pending.WithLabelValues(ns, name, reason).Set(1)
}

// ForgetPending records that a Service no longer waits: it has an address,
// is gone, or is no longer Farol's.
func (m *Controller) ForgetPending(service string) {
	ns, name, _ := strings.Cut(service, "/")
	m.Pending.DeletePartialMatch(prometheus.Labels{"namespace": ns, "service": name})
}
