package cluster

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"

	"k8s.io/client-go/discovery"
)

// startAPIServer runs kube-apiserver against the cluster's etcd, waits for
// /readyz and fills in Config and APIServerURL.
func (c *Cluster) startAPIServer(ctx context.Context) error {
	host := c.opts.ListenAddress
	ports, err := c.freePorts(1)
	if err != nil {
		return err
	}
	url := "https://" + hostPort(host, ports[0])
	args := []string{
		"--etcd-servers=" + c.EtcdURL,
		"--bind-address=" + host,
		"--secure-port=" + fmt.Sprint(ports[0]),
		// Without it the server looks for a host interface with a default
		// route, which a lab network namespace does not have ("Unable to
		// find suitable network address").
		"--advertise-address=" + host,
		// The endpoint reconciler refuses a loopback advertise address, and
		// with no Pods nothing would use the kubernetes Service's endpoints.
		"--endpoint-reconciler-type=none",
		"--cert-dir=" + c.certDir,
		"--token-auth-file=" + c.tokenFile,
		"--authorization-mode=RBAC",
		"--service-account-key-file=" + c.saKeyFile,
		"--service-account-signing-key-file=" + c.saKeyFile,
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-cluster-ip-range=" + c.opts.ServiceCIDRs,
	}
	// Later flags win in pflag, so the caller's extras override ours.
	args = append(args, c.opts.ExtraAPIServerFlags...)
	p, err := startProcess(c.spawner, c.Dir, "kube-apiserver", filepath.Join(c.opts.BinDir, "kube-apiserver"), args, c.logTo("kube-apiserver"))
	if err != nil {
		return err
	}
	c.apiserver = p

	caFile := filepath.Join(c.certDir, "apiserver.crt")
	var ca []byte
	ready := func(ctx context.Context) error {
		// The server writes its self-signed certificate (followed by the CA
		// that signed it) before it listens; a half-written file fails to
		// parse and is simply read again on the next poll.
		pemBytes, err := os.ReadFile(caFile)
		if err != nil {
			return err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pemBytes) {
			return errors.New("no certificate in " + caFile + " yet")
		}
		if err := probe(ctx, c.dial, url+"/readyz", c.adminToken, pool); err != nil {
			return err
		}
		ca = pemBytes
		return nil
	}
	if err := waitReady(ctx, p, ready); err != nil {
		return err
	}
	cfg := restConfig(url, c.adminToken, ca)
	if c.opts.Netns != "" {
		// Only then: client-go does not share transports between configs
		// with a Dial, and tests create many clients.
		cfg.Dial = c.dial
	}
	// Proves the handed-out configuration itself works: CA, token, host.
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return fmt.Errorf("kube-apiserver: %w", err)
	}
	if _, err := dc.ServerVersion(); err != nil {
		return fmt.Errorf("kube-apiserver: version with admin config: %w", err)
	}
	c.Config, c.APIServerURL = cfg, url
	return nil
}

// probe GETs a health endpoint, which reports every failing check in its
// body when it is not ok.
func probe(ctx context.Context, dial func(context.Context, string, string) (net.Conn, error), url, token string, roots *x509.CertPool) error {
	tr := &http.Transport{DialContext: dial, TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}}
	defer tr.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
		return fmt.Errorf("%s: %s: %s", url, resp.Status, bytes.TrimSpace(body))
	}
	return nil
}
