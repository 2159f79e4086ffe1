package cluster

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// adminUser is the identity of the token the harness hands out; its group
// system:masters bypasses RBAC, so tests need no bootstrap roles.
const adminUser = "farol-admin"

// writeAuth creates the admin token file and the service-account signing key
// and returns the token.
func writeAuth(tokenFile, saKeyFile string) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("admin token: %w", err)
	}
	token := hex.EncodeToString(b)
	line := fmt.Sprintf("%s,%s,%s,\"system:masters\"\n", token, adminUser, adminUser)
	if err := os.WriteFile(tokenFile, []byte(line), 0o600); err != nil {
		return "", fmt.Errorf("admin token: %w", err)
	}
	// ECDSA rather than RSA: generated in microseconds, and the API server
	// signs service-account tokens with ES256 from it.
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", fmt.Errorf("service-account key: %w", err)
	}
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return "", fmt.Errorf("service-account key: %w", err)
	}
	// SEC 1 ("EC PRIVATE KEY"), not PKCS #8: --service-account-key-file
	// reads public keys from the same file and does not parse PKCS #8.
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})
	if err := os.WriteFile(saKeyFile, pemKey, 0o600); err != nil {
		return "", fmt.Errorf("service-account key: %w", err)
	}
	return token, nil
}

// restConfig is the admin client configuration. Client-side rate limits are
// raised far above client-go's 5 QPS: tests create objects in bursts, and the
// server is local.
func restConfig(url, token string, caPEM []byte) *rest.Config {
	return &rest.Config{
		Host:            url,
		BearerToken:     token,
		TLSClientConfig: rest.TLSClientConfig{CAData: caPEM},
		QPS:             1000,
		Burst:           2000,
	}
}

// writeKubeconfig writes cfg as a self-contained kubeconfig (CA and token
// embedded) for kubectl and for programs run against the cluster.
func writeKubeconfig(path string, cfg *rest.Config) error {
	const name = "farol-test"
	kc := clientcmdapi.Config{
		Clusters: map[string]*clientcmdapi.Cluster{
			name: {Server: cfg.Host, CertificateAuthorityData: cfg.CAData},
		},
		AuthInfos: map[string]*clientcmdapi.AuthInfo{
			adminUser: {Token: cfg.BearerToken},
		},
		Contexts: map[string]*clientcmdapi.Context{
			name: {Cluster: name, AuthInfo: adminUser, Namespace: "default"},
		},
		CurrentContext: name,
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("write kubeconfig: %w", err)
	}
	if err := clientcmd.WriteToFile(kc, path); err != nil {
		return fmt.Errorf("write kubeconfig: %w", err)
	}
	return nil
}
