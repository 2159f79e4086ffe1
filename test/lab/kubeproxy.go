package lab

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// kubeProxyTimeout bounds the wait for kube-proxy's first sync on every
// node; it takes about a second.
const kubeProxyTimeout = 30 * time.Second

// healthzAddr is kube-proxy's health endpoint, on the node's loopback: each
// node has its own, so the port can be the same everywhere.
const healthzAddr = "127.0.0.1:10256"

// registerNodes creates a Node object per lab node, as a kubelet would.
// kube-proxy programs nothing, and says nothing, until its Node has an
// InternalIP and Ready=True; Farol's speaker reads the same fields.
func (l *Lab) registerNodes(ctx context.Context) error {
	for _, n := range l.Nodes {
		node := &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{
				Name: n.Name,
				Labels: map[string]string{
					corev1.LabelHostname: n.Name,
					corev1.LabelOSStable: "linux",
				},
			},
			Spec: corev1.NodeSpec{PodCIDRs: []string{n.PodCIDR4.String(), n.PodCIDR6.String()}},
		}
		node.Spec.PodCIDR = node.Spec.PodCIDRs[0]
		created, err := l.kube.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{})
		if err != nil {
			return fmt.Errorf("create node %s: %w", n.Name, err)
		}
		now := metav1.Now()
		created.Status = corev1.NodeStatus{
			Addresses: []corev1.NodeAddress{
				{Type: corev1.NodeInternalIP, Address: n.IPv4.String()},
				{Type: corev1.NodeInternalIP, Address: n.IPv6.String()},
				{Type: corev1.NodeHostName, Address: n.Name},
			},
			Conditions: []corev1.NodeCondition{{
				Type:               corev1.NodeReady,
				Status:             corev1.ConditionTrue,
				Reason:             "KubeletReady",
				Message:            "lab node",
				LastHeartbeatTime:  now,
				LastTransitionTime: now,
			}},
		}
		// Status is ignored on create; only the subresource sets it.
		if _, err := l.kube.CoreV1().Nodes().UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
			return fmt.Errorf("node %s status: %w", n.Name, err)
		}
	}
	return nil
}

// kubeProxyConfig is a KubeProxyConfiguration for one node.
func kubeProxyConfig(node, kubeconfig string) string {
	return fmt.Sprintf(`apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: nftables
hostnameOverride: %s
clusterCIDR: %s
clientConnection:
  kubeconfig: %s
# Loopback of the node's namespace: nothing outside needs them.
metricsBindAddress: 127.0.0.1:10249
healthzBindAddress: %s
# Zero: leave nf_conntrack_max alone. It is global, writable only from the
# host's namespace, and kube-proxy exits when it cannot write it.
conntrack:
  maxPerCore: 0
  min: 0
`, node, clusterCIDRs, kubeconfig, healthzAddr)
}

// startKubeProxies starts kube-proxy on every node and waits until each has
// synced its rules once.
func (l *Lab) startKubeProxies(ctx context.Context) error {
	bin := filepath.Join(l.opts.BinDir, "kube-proxy")
	for _, n := range l.Nodes {
		cfg := filepath.Join(l.Dir, n.Name+"-kube-proxy.yaml")
		if err := os.WriteFile(cfg, []byte(kubeProxyConfig(n.Name, l.KubeconfigInLab)), 0o644); err != nil {
			return err
		}
		// Not ctx: the process outlives Start.
		cmd := n.Command(context.Background(), bin, "--config="+cfg, "--v=2")
		if _, err := n.Start("kube-proxy", cmd); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, kubeProxyTimeout)
	defer cancel()
	for _, n := range l.Nodes {
		if err := n.waitKubeProxy(ctx); err != nil {
			return err
		}
	}
	return nil
}

// waitKubeProxy polls kube-proxy's /healthz until both families' rules
// have been synced once. The status alone says nothing: it is 200 while
// kube-proxy starts up too; a family appears under "status" only after
// its first sync.
func (n *Node) waitKubeProxy(ctx context.Context) error {
	tr := &http.Transport{DialContext: n.DialContext, DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: time.Second}
	var last error // set by the first poll, before any wait
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+healthzAddr+"/healthz", nil)
		if err != nil {
			return err
		}
		if resp, err := hc.Do(req); err != nil {
			last = err
		} else {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
			resp.Body.Close()
			var health struct {
				Status map[corev1.IPFamily]json.RawMessage `json:"status"`
			}
			_ = json.Unmarshal(body, &health)
			if resp.StatusCode == http.StatusOK && health.Status[corev1.IPv4Protocol] != nil && health.Status[corev1.IPv6Protocol] != nil {
				return nil
			}
			last = fmt.Errorf("%s: %s", resp.Status, body)
		}
		if p := n.lab.proc(n.Name + "-kube-proxy"); p != nil {
			select {
			case <-p.done:
				return fmt.Errorf("kube-proxy on %s: %w", n.Name, p.exitError())
			default:
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("kube-proxy on %s not healthy: %w (last: %w)", n.Name, ctx.Err(), last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// proc returns the last process started under this name, or nil.
func (l *Lab) proc(name string) *Proc {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := len(l.procs) - 1; i >= 0; i-- {
		if l.procs[i].name == name {
			return l.procs[i]
		}
	}
	return nil
}
