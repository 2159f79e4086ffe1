package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/farol-lb/farol/test/cluster"
)

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
