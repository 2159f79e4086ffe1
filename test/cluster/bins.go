package cluster

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Versions of the binaries; hack/bins.sh and the modules in hack/tools pin the
// same ones (TestVersionsMatchTools keeps them in step). They name the cache
// directory, so a bump never runs stale binaries.
const (
	KubernetesVersion = "v1.37.2"
	EtcdVersion       = "v3.7.0"
)

// ErrNoBinaries is returned by Start when a binary is missing from the bin
// directory.
var ErrNoBinaries = errors.New("control-plane binaries missing; build them with hack/bins.sh")

// DefaultBinDir is where hack/bins.sh puts the binaries, by the same rules:
// $FAROL_BIN_DIR, else $FAROL_BIN_CACHE, else a versioned directory in the
// user's cache directory.
func DefaultBinDir() (string, error) {
	for _, env := range []string{"FAROL_BIN_DIR", "FAROL_BIN_CACHE"} {
		if d := os.Getenv(env); d != "" {
			return d, nil
		}
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("default bin dir: %w", err)
	}
	return filepath.Join(cache, "farol", "bin", "k8s-"+KubernetesVersion+"-etcd-"+EtcdVersion), nil
}

// checkBinaries reports every missing binary at once, so one run of the
// script fixes them all.
func checkBinaries(dir string, names ...string) error {
	var missing []string
	for _, n := range names {
		if st, err := os.Stat(filepath.Join(dir, n)); err != nil || st.Mode()&0o111 == 0 {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: %v not in %s", ErrNoBinaries, missing, dir)
	}
	return nil
}
