// Package cluster runs a real Kubernetes control plane (etcd and
// kube-apiserver, no kubelet, no controller-manager) as child processes, for
// integration tests and for the demo.
//
// The binaries are built from source at pinned versions by hack/bins.sh into
// a cache directory outside the checkout; Start never builds them itself, so
// a missing binary is an error that names the script, never a skipped test.
// Both look in $FAROL_BIN_DIR (or $FAROL_BIN_CACHE) when set; see
// DefaultBinDir.
//
// The API server is dual-stack (IPv4 and IPv6 Service ranges), serves TLS
// with a self-signed certificate, authenticates an admin token in
// system:masters and authorizes with RBAC. Without a controller-manager
// nothing runs controllers: Pods never start, namespaces stay Terminating
// once deleted, and tests create Nodes and EndpointSlices themselves.
//
// Children are started with Pdeathsig=SIGKILL so that a test binary that
// dies, however it dies, takes its etcd and API server with it; Stop signals
// only the processes it started.
//
// In tests, use StartT for a cluster per test, or a Shared in TestMain for
// one cluster per test binary.
package cluster
