package cluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// InstallOptions choose what InstallFarol leaves out or changes of the
// shipped install for a control plane without kubelets or kube-proxy.
type InstallOptions struct {
	// WebhookURL is where the API server reaches the controller's webhook
	// (https://HOST:PORT); it replaces the Service reference in the
	// shipped ValidatingWebhookConfiguration, which without kube-proxy on
	// the API server's host could never be reached. Empty leaves the
	// configuration out.
	WebhookURL string
}

// InstallFarol applies what `kubectl apply -k config/default` applies on a
// real cluster — namespace, CRDs, admission policies, ServiceAccounts,
// RBAC, Services — from the checkout at root, except the Deployment and
// the DaemonSet (no kubelet runs them here: the harness starts the
// programs itself, with the ServiceAccounts' identities from As). So the
// lab runs on the shipped RBAC, not on a copy.
func (c *Cluster) InstallFarol(ctx context.Context, root string, o InstallOptions) error {
	if err := c.InstallCRDs(ctx, filepath.Join(root, "config", "crd", "bases")); err != nil {
		return err
	}
	out, err := c.Kubectl("kustomize", filepath.Join(root, "config", "default")).Output()
	if err != nil {
		return fmt.Errorf("kubectl kustomize config/default: %w", err)
	}
	docs, err := decodeDocs(bytes.NewReader(out))
	if err != nil {
		return err
	}
	var keep bytes.Buffer
	for _, u := range docs {
		switch u.GetKind() {
		case "Deployment", "DaemonSet":
			continue
		case "ValidatingWebhookConfiguration":
			if o.WebhookURL == "" {
				continue
			}
			if err := webhookByURL(u, o.WebhookURL); err != nil {
				return err
			}
		}
		b, err := yaml.Marshal(u.Object)
		if err != nil {
			return err
		}
		keep.WriteString("---\n")
		keep.Write(b)
	}
	cmd := c.Kubectl("apply", "--server-side", "--force-conflicts", "-f", "-")
	cmd.Stdin = &keep
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("apply config/default: %w: %s", err, out)
	}
	return nil
}

// webhookByURL points every webhook of a configuration at base+path.
func webhookByURL(u *unstructured.Unstructured, base string) error {
	hooks, _, err := unstructured.NestedSlice(u.Object, "webhooks")
	if err != nil {
		return err
	}
	for i, h := range hooks {
		m, ok := h.(map[string]any)
		if !ok {
			return fmt.Errorf("webhook %d is not an object", i)
		}
		path, _, _ := unstructured.NestedString(m, "clientConfig", "service", "path")
		if err := unstructured.SetNestedMap(m, map[string]any{"url": base + path}, "clientConfig"); err != nil {
			return err
		}
		hooks[i] = m
	}
	return unstructured.SetNestedSlice(u.Object, hooks, "webhooks")
}

// decodeDocs decodes each YAML document of a stream.
func decodeDocs(r io.Reader) ([]*unstructured.Unstructured, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(r, 4096)
	var docs []*unstructured.Unstructured
	for {
		var obj map[string]any
		err := dec.Decode(&obj)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, err
		}
		if obj != nil {
			docs = append(docs, &unstructured.Unstructured{Object: obj})
		}
	}
}
