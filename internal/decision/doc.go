// Package decision decides which node announces each Service address and
// how. It is pure: plain values in (nodes, live speakers, advertisements,
// one Service), an announcement table out; the node agent in
// internal/app/speaker feeds it from Kubernetes caches and hands the result
// to the announcers. Every speaker computes the same table independently,
// so no coordination is needed beyond agreeing on who is alive.
package decision
