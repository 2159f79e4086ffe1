package lab

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// netnsDir is where ip netns keeps its named namespaces.
const netnsDir = "/run/netns"

// killWait bounds the wait for killed leftovers to disappear.
const killWait = 5 * time.Second

// Cleanup removes what a lab with this prefix left behind after its test
// binary was killed outright: it SIGKILLs the processes inside the lab's
// namespaces (as `ip netns pids` lists them, nothing found by name) and
// deletes the namespaces and the default work directory. Start calls it for every default prefix whose
// run's PID is dead; call it yourself for a custom Prefix. Never call it
// for a lab that is still running.
func Cleanup(prefix string) error {
	names, err := namespacesOf(prefix)
	if err != nil {
		return err
	}
	var errs []error
	for _, ns := range names {
		if err := killInside(ns); err != nil {
			errs = append(errs, err)
		}
		if err := runIP(context.Background(), []string{"netns", "del", ns}, ""); err != nil {
			errs = append(errs, err)
		}
	}
	// Default work directories; see tempDirPattern.
	dirs, err := filepath.Glob(filepath.Join(os.TempDir(), tempDirPattern(prefix)))
	errs = append(errs, err)
	for _, d := range dirs {
		errs = append(errs, os.RemoveAll(d))
	}
	return errors.Join(errs...)
}

// tempDirPattern names a lab's default work directory, for os.MkdirTemp and
// filepath.Glob. The dot cannot occur in a prefix, so one lab's pattern
// never matches another's directory.
func tempDirPattern(prefix string) string { return prefix + ".*" }

// cleanupStale runs Cleanup for every lab with a default prefix whose
// process is gone. A PID reused since by another process only delays that
// until the next run after it ends.
func cleanupStale() error {
	entries, err := os.ReadDir(netnsDir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	stale := map[string]bool{}
	for _, e := range entries {
		m := generatedRE.FindStringSubmatch(e.Name())
		if m == nil {
			continue
		}
		pid, err := strconv.Atoi(m[2])
		if err != nil || pid == os.Getpid() || alive(pid) {
			continue
		}
		stale[m[1]] = true
	}
	var errs []error
	for prefix := range stale {
		errs = append(errs, Cleanup(prefix))
	}
	return errors.Join(errs...)
}

// namespacesOf lists the namespaces of the lab with this prefix.
func namespacesOf(prefix string) ([]string, error) {
	entries, err := os.ReadDir(netnsDir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	// Exactly the lab's host names: another lab's prefix may extend this one.
	mine := regexp.MustCompile(`^` + regexp.QuoteMeta(prefix) + `-(br|cp|client|router|node-[0-9]+)$`)
	var names []string
	for _, e := range entries {
		if mine.MatchString(e.Name()) {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

// killInside SIGKILLs every process in the namespace and waits until none
// is left.
func killInside(ns string) error {
	deadline := time.Now().Add(killWait)
	for {
		pids, err := netnsPIDs(ns)
		if err != nil || len(pids) == 0 {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("processes in %s survive SIGKILL: %v", ns, pids)
		}
		for _, pid := range pids {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// netnsPIDs lists the processes inside the namespace. Zombies are not in
// it: a process that has exited has no namespace any more.
func netnsPIDs(ns string) ([]int, error) {
	out, err := exec.Command("ip", "netns", "pids", ns).Output()
	if err != nil {
		return nil, fmt.Errorf("ip netns pids %s: %w", ns, err)
	}
	var pids []int
	for _, f := range strings.Fields(string(out)) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			return nil, fmt.Errorf("ip netns pids %s: %q is no PID", ns, f)
		}
		pids = append(pids, pid)
	}
	return pids, nil
}

// alive tells whether a process with this PID exists (zombies included).
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
