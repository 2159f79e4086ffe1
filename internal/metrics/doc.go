// Package metrics defines Farol's Prometheus metrics. Each program creates
// its set with New* on a registry it is given, so tests get a fresh registry
// and nothing is registered at package init.
package metrics
