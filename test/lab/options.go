package lab

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"regexp"

	"github.com/farol-lb/farol/test/cluster"
)

// maxNodes keeps node addresses (10.77.0.11 upwards) below the suggested
// VIP range (.200 upwards).
const maxNodes = 100

// maxRouters keeps router hosts (10.77.0.1, then .4 upwards) below the
// nodes' addresses.
const maxRouters = 8

// Options configures Start; the zero value is a three-node lab with
// kube-proxy, in a temporary directory.
type Options struct {
	// Nodes is the number of Kubernetes nodes. Default 3.
	Nodes int
	// Prefix starts the name of every namespace of the lab. Default: unique
	// per run, farol-<pid>-<4 random hex digits>, which is what lets a later
	// run recognise the leftovers of a killed one.
	Prefix string
	// BinDir holds etcd, kube-apiserver, kube-proxy and kubectl. Default:
	// cluster.DefaultBinDir.
	BinDir string
	// Dir is the work directory: the control plane's files, kube-proxy
	// configurations and every process's log. Default: a new temporary
	// directory, removed by Stop; a given Dir is kept.
	Dir string
	// Log receives progress lines. Optional.
	Log io.Writer
	// NoKubeProxy skips kube-proxy, for tests that need only the network
	// and the API server.
	NoKubeProxy bool
	// Routers is the number of router hosts, each able to run one BGP
	// router: router (10.77.0.1), then router-2 (10.77.0.4) and on. Default
	// 1; more for tests with several routers, e.g. one a node must not
	// pass another's routes to.
	Routers int
}

// prefixRE is what a prefix may look like: namespace names end up as file
// names under /run/netns and on ip's command line.
var prefixRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,40}$`)

// generatedRE matches the default prefixes, with the PID of the run that
// made them.
var generatedRE = regexp.MustCompile(`^(farol-([0-9]+)-[0-9a-f]{4})-`)

func (o Options) withDefaults() (Options, error) {
	if o.Nodes == 0 {
		o.Nodes = 3
	}
	if o.Nodes < 1 || o.Nodes > maxNodes {
		return o, fmt.Errorf("%d nodes: want 1 to %d", o.Nodes, maxNodes)
	}
	if o.Routers == 0 {
		o.Routers = 1
	}
	if o.Routers < 1 || o.Routers > maxRouters {
		return o, fmt.Errorf("%d routers: want 1 to %d", o.Routers, maxRouters)
	}
	if o.Prefix == "" {
		b := make([]byte, 2)
		if _, err := rand.Read(b); err != nil {
			return o, err
		}
		o.Prefix = fmt.Sprintf("farol-%d-%s", os.Getpid(), hex.EncodeToString(b))
	}
	if !prefixRE.MatchString(o.Prefix) {
		return o, fmt.Errorf("prefix %q: want lower-case letters, digits and dashes, at most 41", o.Prefix)
	}
	if o.BinDir == "" {
		d, err := cluster.DefaultBinDir()
		if err != nil {
			return o, err
		}
		o.BinDir = d
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	return o, nil
}
