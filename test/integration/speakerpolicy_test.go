package integration

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/farol-lb/farol/test/cluster"
)

// checkSpeakerServiceWrites patches a Service as the speaker's
// ServiceAccount (impersonated) and checks that the admission policy
// config/policy/speaker-service-writes.yaml lets through only the
// speaker's own annotations: RBAC's "patch services" alone would let it
// change the spec.
func checkSpeakerServiceWrites(t *testing.T, c *cluster.Cluster) {
	t.Helper()
	admin, err := kubernetes.NewForConfig(c.Config)
	if err != nil {
		t.Fatal(err)
	}
	cfg := rest.CopyConfig(c.Config)
	cfg.Impersonate = rest.ImpersonationConfig{
		UserName: "system:serviceaccount:" + installNamespace + ":farol-speaker",
		Groups:   []string{"system:serviceaccounts", "system:serviceaccounts:" + installNamespace, "system:authenticated"},
	}
	speaker, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default",
			Labels: map[string]string{"app": "web"}, Annotations: map[string]string{"team": "a"}},
		Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer, Ports: []corev1.ServicePort{{Port: 80}}},
	}
	if _, err := admin.CoreV1().Services("default").Create(t.Context(), svc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	patch := func(cs *kubernetes.Clientset, body string) error {
		_, err := cs.CoreV1().Services("default").Patch(t.Context(), "web", types.MergePatchType, []byte(body), metav1.PatchOptions{})
		return err
	}
	// The API server loads policies asynchronously: wait until it refuses.
	const specPatch = `{"spec":{"externalTrafficPolicy":"Local"}}`
	deadline := time.Now().Add(30 * time.Second)
	for err := patch(speaker, specPatch); err == nil || !strings.Contains(err.Error(), "not spec"); err = patch(speaker, specPatch) {
		if time.Now().After(deadline) {
			t.Fatalf("the speaker's spec patch is not refused after 30s: %v", err)
		}
		if err == nil { // it went through: undo, so the next try changes the spec again
			if err := patch(admin, `{"spec":{"externalTrafficPolicy":"Cluster"}}`); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	for name, tc := range map[string]struct {
		body    string
		refused string // "" = allowed
	}{
		"speaker sets its annotation":       {body: `{"metadata":{"annotations":{"farol.dev/announcing-ipv4":"node-a/eth0"}}}`},
		"speaker sets both its annotations": {body: `{"metadata":{"annotations":{"farol.dev/announcing-ipv4":"node-b/eth0","farol.dev/announcing-ipv6":"node-b/eth0"}}}`},
		"speaker removes its annotation":    {body: `{"metadata":{"annotations":{"farol.dev/announcing-ipv6":null}}}`},
		"speaker cannot change the spec":    {body: `{"spec":{"ports":[{"port":8080}]}}`, refused: "not spec"},
		"speaker cannot change selectors":   {body: `{"spec":{"selector":{"app":"evil"}}}`, refused: "not spec"},
		"speaker cannot add an annotation":  {body: `{"metadata":{"annotations":{"other":"x"}}}`, refused: "not other metadata.annotations"},
		"speaker cannot change annotations": {body: `{"metadata":{"annotations":{"team":"b"}}}`, refused: "not other metadata.annotations"},
		"speaker cannot remove annotations": {body: `{"metadata":{"annotations":{"team":null}}}`, refused: "not other metadata.annotations"},
		"speaker cannot change labels":      {body: `{"metadata":{"labels":{"app":"evil"}}}`, refused: "not metadata.labels"},
	} {
		t.Run(name, func(t *testing.T) {
			err := patch(speaker, tc.body)
			switch {
			case tc.refused == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.refused != "" && (err == nil || !strings.Contains(err.Error(), tc.refused)):
				t.Errorf("got %v, want refused with %q", err, tc.refused)
			}
		})
	}
	// Only the speaker is held to this: anyone else may change the spec.
	if err := patch(admin, specPatch); err != nil {
		t.Errorf("admin spec patch: %v", err)
	}
}
