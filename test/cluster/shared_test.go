package cluster

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
)

func TestInstallCRDs(t *testing.T) {
	begin := time.Now()
	c := env.Cluster(t)
	t.Logf("shared cluster in %v", time.Since(begin))
	// Twice: re-installing must update in place, not fail on "exists".
	for range 2 {
		begin = time.Now()
		if err := c.InstallCRDs(t.Context(), "testdata/crds"); err != nil {
			t.Fatal(err)
		}
		t.Logf("CRDs installed in %v", time.Since(begin))
	}
	dc, err := dynamic.NewForConfig(c.Config)
	if err != nil {
		t.Fatal(err)
	}
	w := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "test.farol.dev/v1",
		"kind":       "Widget",
		"metadata":   map[string]any{"name": "w1"},
		"spec":       map[string]any{"size": int64(3)},
	}}
	gvr := schema.GroupVersionResource{Group: "test.farol.dev", Version: "v1", Resource: "widgets"}
	begin = time.Now()
	if _, err := dc.Resource(gvr).Namespace("default").Create(t.Context(), w, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// InstallCRDs waited out the server's delays for a new CRD.
	if d := time.Since(begin); d > time.Second {
		t.Errorf("first Widget took %v to create, want it fast", d)
	}
}

func TestInstallCRDsEmptyDir(t *testing.T) {
	c := env.Cluster(t)
	if err := c.InstallCRDs(t.Context(), t.TempDir()); err == nil {
		t.Fatal("InstallCRDs of a directory without CRDs succeeded")
	}
}

func TestKubectl(t *testing.T) {
	c := env.Cluster(t)
	out, err := c.Kubectl("version", "--output=json").Output()
	if err != nil {
		t.Fatalf("kubectl version: %v\n%s", err, stderrOf(err))
	}
	var v struct {
		ClientVersion, ServerVersion struct{ GitVersion string }
	}
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("kubectl version: %v\n%s", err, out)
	}
	if v.ClientVersion.GitVersion != KubernetesVersion || v.ServerVersion.GitVersion != KubernetesVersion {
		t.Errorf("kubectl version: client %q, server %q, want both %q",
			v.ClientVersion.GitVersion, v.ServerVersion.GitVersion, KubernetesVersion)
	}
}

func stderrOf(err error) []byte {
	if ee, ok := errors.AsType[*exec.ExitError](err); ok {
		return ee.Stderr
	}
	return nil
}

// helperEnv makes the test binary, run again by TestNoOrphansWhenKilled,
// start a cluster and wait to be killed.
const helperEnv = "FAROL_CLUSTER_ORPHAN_HELPER"

// TestNoOrphansWhenKilled kills a test process that runs a cluster, with a
// signal it cannot catch, and checks that etcd and the API server die with
// it (Pdeathsig).
func TestNoOrphansWhenKilled(t *testing.T) {
	if os.Getenv(helperEnv) != "" {
		orphanHelper()
		return
	}
	// The helper's children are reparented to us instead of to PID 1 (which
	// on these machines does not reap): wait4 can then tell how they ended,
	// and they leave no zombies.
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		t.Fatal(err)
	}
	helper := exec.Command(os.Args[0], "-test.run=^TestNoOrphansWhenKilled$")
	helper.Env = append(os.Environ(), helperEnv+"=1")
	helper.Stderr = os.Stderr
	stdout, err := helper.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := helper.Start(); err != nil {
		t.Fatal(err)
	}
	var dir string
	var pids []int
	for sc := bufio.NewScanner(stdout); sc.Scan(); {
		if f := strings.Fields(sc.Text()); len(f) > 1 && f[0] == "ready" {
			dir = f[1]
			for _, s := range f[2:] {
				pid, err := strconv.Atoi(s)
				if err != nil {
					t.Fatal(err)
				}
				pids = append(pids, pid)
			}
			break
		}
	}
	_ = helper.Process.Kill()
	_ = helper.Wait()
	if dir == "" {
		t.Fatal("helper never reported a running cluster")
	}
	t.Cleanup(func() { os.RemoveAll(dir) }) // the killed helper could not
	for _, pid := range pids {
		if err := reap(pid, 10*time.Second); err != nil {
			t.Error(err)
		}
	}
}

func orphanHelper() {
	c, err := Start(context.Background(), Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("ready", c.Dir, strings.Trim(fmt.Sprint(c.PIDs()), "[]"))
	time.Sleep(2 * time.Minute) // killed long before
	os.Exit(1)
}

// reap waits for an adopted orphan to die and checks that SIGKILL ended it.
func reap(pid int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		var ws unix.WaitStatus
		got, err := unix.Wait4(pid, &ws, unix.WNOHANG, nil)
		if err != nil {
			return fmt.Errorf("wait for orphan %d: %w", pid, err)
		}
		if got == pid {
			if !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
				return fmt.Errorf("orphan %d ended with status %#x, want SIGKILL", pid, ws)
			}
			return nil
		}
		if time.Now().After(deadline) {
			// Ours by adoption: end it and reap it rather than leave it.
			_ = unix.Kill(pid, unix.SIGKILL)
			_, _ = unix.Wait4(pid, &ws, 0, nil)
			return fmt.Errorf("pid %d still alive %v after its parent was killed", pid, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
