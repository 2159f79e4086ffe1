package controller

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// leaseNamespace picks the Lease's namespace when no flag names one: in a
// cluster the controller's own namespace, which its Role is bound in and
// which certainly exists; outside one (no service-account mount) the
// install manifests' namespace.
func leaseNamespace(saFile string) (string, error) {
	b, err := os.ReadFile(saFile)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return DefaultLeaderElectionNamespace, nil
	case err != nil:
		return "", fmt.Errorf("read the controller's namespace: %w", err)
	}
	ns := strings.TrimSpace(string(b))
	if ns == "" {
		return "", fmt.Errorf("read the controller's namespace: %s is empty", saFile)
	}
	return ns, nil
}

// checkNamespace fails when the Lease's namespace is missing. The manager
// itself would log "not found" and retry forever, never becoming leader and
// never allocating; one clear error at start is better.
func checkNamespace(ctx context.Context, cfg *rest.Config, ns string) error {
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return fmt.Errorf("check leader election namespace: %w", err)
	}
	_, err = cs.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return &MissingNamespaceError{Namespace: ns}
	case err != nil:
		return fmt.Errorf("check leader election namespace %q: %w", ns, err)
	}
	return nil
}

// MissingNamespaceError reports that the namespace for the leader Lease does
// not exist. Without the check the manager would retry creating the Lease
// forever and allocate nothing.
type MissingNamespaceError struct{ Namespace string }

func (e *MissingNamespaceError) Error() string {
	return fmt.Sprintf("leader election namespace %q does not exist: create it or set --leader-election-namespace", e.Namespace)
}
