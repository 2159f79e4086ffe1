// Command demo is `make demo`: it starts a real etcd and kube-apiserver,
// runs the farol controller binary against them, and walks through the seed
// scenario of every load-balancer guide: two Services wait at <pending>, an
// AddressPool is applied, both get addresses. It stays up until Ctrl-C or
// `make demo-down` (`demo down`), and tears everything down on every exit
// path.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/farol-lb/farol/test/cluster"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	if len(os.Args) > 1 && os.Args[1] == "down" {
		err = down()
	} else {
		err = run(ctx)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

// stateDir holds the running demo's files; its pid file lets `demo down`
// stop exactly the process that `make demo` started.
func stateDir() string {
	base := os.Getenv("XDG_RUNTIME_DIR")
	if base == "" {
		base = os.TempDir()
	}
	return filepath.Join(base, "farol-demo")
}

func step(format string, args ...any) {
	fmt.Printf("\n==> "+format+"\n", args...)
}

func run(ctx context.Context) (err error) {
	dir := stateDir()
	if pid, ok := runningPID(dir); ok {
		return fmt.Errorf("a demo is already running (pid %d); stop it with 'make demo-down'", pid)
	}
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "pid"), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		return err
	}
	defer os.Remove(filepath.Join(dir, "pid"))

	root, err := repoRoot()
	if err != nil {
		return err
	}
	step("starting etcd %s and kube-apiserver %s (dual-stack Service CIDRs)", cluster.EtcdVersion, cluster.KubernetesVersion)
	t0 := time.Now()
	cl, err := cluster.Start(ctx, cluster.Options{Dir: filepath.Join(dir, "cluster")})
	if err != nil {
		return err
	}
	defer func() {
		step("tearing down")
		err = errors.Join(err, cl.Stop())
	}()
	fmt.Printf("    API server ready at %s in %s\n", cl.APIServerURL, time.Since(t0).Round(100*time.Millisecond))

	step("installing the Farol CRDs")
	if err := cl.InstallCRDs(ctx, filepath.Join(root, "config", "crd", "bases")); err != nil {
		return err
	}
	kubectl := func(args ...string) error {
		fmt.Printf("$ kubectl %s\n", strings.Join(args, " "))
		cmd := cl.Kubectl(args...)
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		return cmd.Run()
	}
	if err := kubectl("create", "namespace", "demo"); err != nil {
		return err
	}

	step("starting the farol controller (log: %s)", filepath.Join(dir, "controller.log"))
	ctl, err := startController(ctx, root, dir, cl.KubeconfigPath)
	if err != nil {
		return err
	}
	defer ctl.stop()

	step("creating two LoadBalancer Services: with no pool yet they wait at <pending>")
	if err := kubectl("apply", "-f", filepath.Join(root, "config", "samples", "services.yaml")); err != nil {
		return err
	}
	time.Sleep(time.Second)
	if err := kubectl("get", "svc", "-n", "demo"); err != nil {
		return err
	}

	step("applying an AddressPool")
	if err := kubectl("apply", "-f", filepath.Join(root, "config", "samples", "addresspool.yaml")); err != nil {
		return err
	}
	if err := waitAddresses(ctx, cl, "demo", "web", "api"); err != nil {
		return err
	}
	if err := kubectl("get", "svc", "-n", "demo"); err != nil {
		return err
	}
	if err := kubectl("get", "addresspools", "-o", "wide"); err != nil {
		return err
	}
	if err := kubectl("get", "events", "-n", "demo", "--field-selector", "reason=Allocated"); err != nil {
		return err
	}

	step("the demo is running; it stays up until Ctrl-C or 'make demo-down'")
	fmt.Printf("    export KUBECONFIG=%s\n", cl.KubeconfigPath)
	fmt.Printf("    alias kubectl=%s\n", kubectlPath())
	fmt.Printf("    kubectl get svc -A; kubectl get addresspools; kubectl describe svc -n demo web\n")
	select {
	case <-ctx.Done():
	case err := <-ctl.exited:
		return fmt.Errorf("controller exited: %w", err)
	}
	return nil
}
