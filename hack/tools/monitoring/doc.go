// Package monitoring pins the Prometheus Operator's API types, from which
// hack/bins.sh generates its CRDs (ServiceMonitor, PodMonitor,
// PrometheusRule) so that tests can apply the chart's monitoring objects to a
// real API server with the operator's real schemas.
package monitoring

import _ "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
