package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/farol-lb/farol/test/cluster"
)

// child is a process the demo started and alone may stop.
type child struct {
	cmd    *exec.Cmd
	exited chan error
}

// startController runs bin/farol (built by `make demo`) the way an operator
// would, without leader election since it is alone.
func startController(ctx context.Context, root, dir, kubeconfig string) (*child, error) {
	bin := filepath.Join(root, "bin", "farol")
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("%s is missing (make build): %w", bin, err)
	}
	logf, err := os.Create(filepath.Join(dir, "controller.log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "controller", "--kubeconfig", kubeconfig,
		"--leader-elect=false", "--metrics-address", "127.0.0.1:0", "--health-address", "0")
	cmd.Stdout, cmd.Stderr = logf, logf
	// The controller dies with the demo even if the demo is killed hard.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start controller: %w", err)
	}
	c := &child{cmd: cmd, exited: make(chan error, 1)}
	go func() {
		c.exited <- cmd.Wait()
		logf.Close()
	}()
	return c, nil
}

func (c *child) stop() {
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.exited:
	case <-time.After(10 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.exited
	}
}

// waitAddresses waits until each Service has an address in status.
func waitAddresses(ctx context.Context, cl *cluster.Cluster, ns string, names ...string) error {
	cs, err := kubernetes.NewForConfig(cl.Config)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for _, name := range names {
		for {
			s, err := cs.CoreV1().Services(ns).Get(ctx, name, metav1.GetOptions{})
			if err == nil && len(s.Status.LoadBalancer.Ingress) > 0 {
				break
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("service %s/%s got no address: %w", ns, name, ctx.Err())
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	return nil
}

// runningPID reads the pid file of a demo that is still alive.
func runningPID(dir string) (int, bool) {
	b, err := os.ReadFile(filepath.Join(dir, "pid"))
	if err != nil {
		return 0, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0, false
	}
	// Signal 0 checks that the process exists; the command line check
	// guards against a recycled pid.
	if syscall.Kill(pid, 0) != nil {
		return 0, false
	}
	cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if !strings.Contains(string(cmdline), "demo") {
		return 0, false
	}
	return pid, true
}

// down stops a running demo by its pid file and waits until it is gone.
func down() error {
	pid, ok := runningPID(stateDir())
	if !ok {
		fmt.Println("no demo is running")
		return nil
	}
	fmt.Printf("stopping the demo (pid %d)\n", pid)
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		return err
	}
	for range 300 {
		if syscall.Kill(pid, 0) != nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return errors.New("the demo did not stop within 30s")
}

func kubectlPath() string {
	dir, err := cluster.DefaultBinDir()
	if err != nil {
		return "kubectl"
	}
	return filepath.Join(dir, "kubectl")
}

// repoRoot finds the checkout from the working directory (make runs the
// demo from the top).
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.mod above %s", dir)
		}
	}
}
