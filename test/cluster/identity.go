package cluster

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// As returns a client configuration that acts as the ServiceAccount
// namespace/name, with a token from the TokenRequest API, the way a Pod's
// projected token is made: programs started with it have exactly the
// permissions the shipped RBAC grants that account, not the harness's
// system:masters.
func (c *Cluster) As(ctx context.Context, namespace, name string, ttl time.Duration) (*rest.Config, error) {
	cs, err := kubernetes.NewForConfig(c.Config)
	if err != nil {
		return nil, err
	}
	secs := int64(ttl / time.Second)
	tr, err := cs.CoreV1().ServiceAccounts(namespace).CreateToken(ctx, name,
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: &secs}}, metav1.CreateOptions{})
	if err != nil {
		return nil, fmt.Errorf("token for service account %s/%s: %w", namespace, name, err)
	}
	cfg := rest.CopyConfig(c.Config)
	cfg.BearerToken, cfg.BearerTokenFile = tr.Status.Token, ""
	cfg.Username, cfg.Password = "", ""
	return cfg, nil
}

// KubeconfigAs writes a kubeconfig for the ServiceAccount namespace/name
// into the cluster's directory and returns its path.
func (c *Cluster) KubeconfigAs(ctx context.Context, namespace, name string, ttl time.Duration) (string, error) {
	cfg, err := c.As(ctx, namespace, name, ttl)
	if err != nil {
		return "", err
	}
	path := filepath.Join(c.Dir, "kubeconfig-"+namespace+"-"+name)
	return path, writeKubeconfig(path, cfg)
}
