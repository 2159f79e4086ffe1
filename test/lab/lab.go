package lab

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/farol-lb/farol/test/cluster"
)

// procStopTimeout is how long Stop gives each child after SIGTERM.
const procStopTimeout = 5 * time.Second

// Lab is a running lab. Its exported fields are set by Start and read-only.
type Lab struct {
	// Prefix starts the name of every namespace of the lab.
	Prefix string
	// Dir is the work directory, with every process's log.
	Dir string
	// Cluster is etcd and kube-apiserver, running inside ControlPlane's
	// namespace.
	Cluster *cluster.Cluster
	// Config is the admin client configuration for code in the test
	// process: its Dial opens sockets inside the control-plane namespace.
	Config *rest.Config
	// KubeconfigInLab is a kubeconfig file for processes inside the lab's
	// namespaces (Farol on a node, kubectl through Host.Command); its server
	// is ControlPlane's address on the segment.
	KubeconfigInLab string

	// Nodes are node-1 to node-<Options.Nodes>, in order.
	Nodes []*Node
	// Client is where test traffic comes from.
	Client *Host
	// Router is where StartRouter runs FRR or BIRD.
	Router *Host
	// Routers are the router hosts, Router first (Options.Routers).
	Routers []*Host
	// ControlPlane runs etcd and kube-apiserver.
	ControlPlane *Host

	// Subnet4 and Subnet6 are the segment's prefixes; every host has one
	// address in each.
	Subnet4, Subnet6 netip.Prefix
	// VIPs4 and VIPs6 are ranges inside the subnets that no host uses,
	// meant as AddressPool blocks.
	VIPs4, VIPs6 string

	opts   Options
	ownDir bool
	bridge *Host
	kube   kubernetes.Interface
	made   []string // namespaces this lab created, deleted by Stop

	mu       sync.Mutex
	stopped  bool
	procs    []*Proc
	backends []*Backend
	routers  []*Router

	stopOnce sync.Once
	stopErr  error
}

// Start builds the network, starts the control plane in it, registers the
// nodes and starts kube-proxy on each, and returns once kube-proxy has
// synced its rules on every node. ctx bounds only the start; the lab runs until Stop. On
// error, everything started is torn down again.
func Start(ctx context.Context, o Options) (_ *Lab, err error) {
	begin := time.Now()
	if o, err = o.withDefaults(); err != nil {
		return nil, fmt.Errorf("start lab: %w", err)
	}
	if err := checkTools(o); err != nil {
		return nil, fmt.Errorf("start lab: %w", err)
	}
	l := &Lab{
		Prefix:  o.Prefix,
		Dir:     o.Dir,
		Subnet4: subnet4,
		Subnet6: subnet6,
		VIPs4:   vips4,
		VIPs6:   vips6,
		opts:    o,
	}
	if err := cleanupStale(); err != nil {
		// Another run's leftovers are no reason to fail this one.
		l.logf("cleaning up stale labs: %v", err)
	}
	l.plan()
	defer func() {
		if err != nil {
			err = errors.Join(fmt.Errorf("start lab %s: %w", l.Prefix, err), l.Stop())
		}
	}()
	if l.Dir == "" {
		if l.Dir, err = os.MkdirTemp("", tempDirPattern(l.Prefix)); err != nil {
			return nil, err
		}
		l.ownDir = true
	} else if err := os.MkdirAll(l.Dir, 0o755); err != nil {
		return nil, err
	}

	step := time.Now()
	if err := l.buildNetwork(ctx); err != nil {
		return nil, err
	}
	l.logf("network of %d namespaces up in %s", len(l.made), since(step))

	step = time.Now()
	l.Cluster, err = cluster.Start(ctx, cluster.Options{
		BinDir:        o.BinDir,
		Dir:           filepath.Join(l.Dir, "cluster"),
		ListenAddress: l.ControlPlane.IPv4.String(),
		Netns:         l.ControlPlane.Netns,
	})
	if err != nil {
		return nil, err
	}
	l.Config = l.Cluster.Config
	// The API server listens on the segment, so the cluster's own
	// kubeconfig already works from every namespace of the lab.
	l.KubeconfigInLab = l.Cluster.KubeconfigPath
	if l.kube, err = kubernetes.NewForConfig(l.Config); err != nil {
		return nil, err
	}
	l.logf("control plane up in %s at %s", since(step), l.Cluster.APIServerURL)

	step = time.Now()
	if err := l.registerNodes(ctx); err != nil {
		return nil, err
	}
	if !o.NoKubeProxy {
		if err := l.startKubeProxies(ctx); err != nil {
			return nil, err
		}
	}
	l.logf("nodes ready in %s; lab up in %s (dir %s)", since(step), since(begin), l.Dir)
	return l, nil
}

// checkTools reports missing programs up front, with the package that has
// them, rather than as an obscure failure halfway through Start.
func checkTools(o Options) error {
	tools := map[string]string{"ip": "iproute2"}
	if !o.NoKubeProxy {
		// kube-proxy's nftables mode programs rules through the nft command.
		tools["nft"] = "nftables"
		if _, err := os.Stat(filepath.Join(o.BinDir, "kube-proxy")); err != nil {
			return fmt.Errorf("%w: kube-proxy not in %s", cluster.ErrNoBinaries, o.BinDir)
		}
	}
	var errs []error
	for tool, pkg := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			errs = append(errs, fmt.Errorf("%s not found (Debian package %s; hack/deps.sh installs it)", tool, pkg))
		}
	}
	return errors.Join(errs...)
}

// Stop tears the lab down: backends, every process the lab started, the
// control plane, then the namespaces, and the work directory if Start made
// it. It reports processes that had failed on their own and processes it
// did not start that are still inside the lab (it leaves those alone). Safe
// to call more than once, and on a lab whose Start failed halfway.
func (l *Lab) Stop() error {
	l.stopOnce.Do(func() {
		begin := time.Now()
		l.mu.Lock()
		l.stopped = true
		procs, backends, routers := l.procs, l.backends, l.routers
		l.mu.Unlock()

		var errs []error
		for _, b := range backends {
			errs = append(errs, b.Close())
		}
		errc := make(chan error, len(procs))
		for _, p := range procs {
			go func() { errc <- p.Stop(procStopTimeout) }()
		}
		for range procs {
			errs = append(errs, <-errc)
		}
		for _, r := range routers {
			// Its processes are among procs; this removes its directory.
			errs = append(errs, r.Stop())
		}
		procsDone := time.Now()
		if l.Cluster != nil {
			errs = append(errs, l.Cluster.Stop())
		}
		clusterDone := time.Now()
		for _, h := range append([]*Host{l.bridge}, l.hosts()...) {
			// Also keeps a late Host.Start from making a new spawner.
			h.spOnce.Do(func() { h.spErr = errStopped })
			if h.sp != nil {
				h.sp.Close()
			}
		}
		errs = append(errs, l.deleteNamespaces())
		if l.ownDir && l.Dir != "" {
			errs = append(errs, os.RemoveAll(l.Dir))
		}
		if err := errors.Join(errs...); err != nil {
			l.stopErr = fmt.Errorf("stop lab %s: %w", l.Prefix, err)
		}
		l.logf("down in %s (processes %s, control plane %s, namespaces %s)", since(begin),
			procsDone.Sub(begin).Round(time.Millisecond), clusterDone.Sub(procsDone).Round(time.Millisecond), since(clusterDone))
	})
	return l.stopErr
}

// strangerWait is how long Stop waits for processes it did not start (a
// Command still finishing) to leave the namespaces.
const strangerWait = 2 * time.Second

// deleteNamespaces deletes the namespaces this lab made. A namespace lives
// on while a process is inside it, so it first waits for them to leave and
// names those that stay.
func (l *Lab) deleteNamespaces() error {
	var errs []error
	deadline := time.Now().Add(strangerWait)
	for _, ns := range l.made {
		pids, err := netnsPIDs(ns)
		for err == nil && len(pids) > 0 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
			pids, err = netnsPIDs(ns)
		}
		if err != nil {
			errs = append(errs, err)
		} else if len(pids) > 0 {
			errs = append(errs, fmt.Errorf("processes the lab did not start are still in %s, left running: %v", ns, pids))
		}
		if err := runIP(context.Background(), []string{"netns", "del", ns}, ""); err != nil {
			errs = append(errs, err)
		}
	}
	l.made = nil
	return errors.Join(errs...)
}
