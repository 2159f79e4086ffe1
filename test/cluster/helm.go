package cluster

import (
	"os"
	"os/exec"
	"path/filepath"
)

// HelmVersion is the helm that hack/bins.sh builds from hack/tools/helm into
// the same bin directory (TestVersionsMatchTools keeps them in step).
const HelmVersion = "v4.3.1"

// Binary returns the path of a binary in the default bin directory (helm,
// kubectl, ...), for tests that run one without a cluster. It fails with
// ErrNoBinaries when the binary is missing.
func Binary(name string) (string, error) {
	dir, err := DefaultBinDir()
	if err != nil {
		return "", err
	}
	if err := checkBinaries(dir, name); err != nil {
		return "", err
	}
	return filepath.Join(dir, name), nil
}

// Helm returns a helm command pointed at the cluster through KUBECONFIG,
// with helm's own configuration and cache kept in the cluster's work
// directory rather than the user's home. Unlike Kubectl it does not enter
// Options.Netns.
func (c *Cluster) Helm(args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(c.opts.BinDir, "helm"), args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+c.KubeconfigPath,
		"HELM_CONFIG_HOME="+filepath.Join(c.Dir, "helm", "config"),
		"HELM_CACHE_HOME="+filepath.Join(c.Dir, "helm", "cache"),
		"HELM_DATA_HOME="+filepath.Join(c.Dir, "helm", "data"))
	return cmd
}
