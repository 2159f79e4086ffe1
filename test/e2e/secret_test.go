package e2e

import (
	"fmt"
	"os"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestMemberlistKeyFromSecret: speakers read the gossip key from the Secret
// they are told; speakers with different keys do not form a cluster, with
// the same key they do.
func TestMemberlistKeyFromSecret(t *testing.T) {
	// node-1 and node-2 read the shipped Secret as farol-speaker; node-3
	// runs as the admin to read another key, which the shipped RBAC keeps
	// every speaker from.
	secret := func(ns, name string) []string {
		return []string{"--memberlist-secret-namespace", ns, "--memberlist-secret", name}
	}
	w := newWorld(t, worldOptions{
		nodeFlags: map[string][]string{"node-1": secret("farol-system", "farol-memberlist"), "node-2": secret("farol-system", "farol-memberlist"),
			"node-3": secret("e2e", "key-b")},
		adminSpeakers: map[string]bool{"node-3": true},
		beforeSpeakers: func(w *world) {
			for _, k := range []struct{ ns, name, key string }{{"farol-system", "farol-memberlist", "0123456789abcdef"}, {w.ns, "key-b", "fedcba9876543210"}} {
				s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: k.ns, Name: k.name}, Data: map[string][]byte{"key": []byte(k.key)}}
				if err := w.c.Create(w.ctx, s); err != nil {
					t.Fatal(err)
				}
			}
		},
	})
	live := func(want map[string]float64) func() string {
		return func() string {
			for node, n := range want {
				got, err := w.readSpeakerMetric(node, "farol_speaker_live_members")
				if err != nil {
					return err.Error()
				}
				if got != n {
					return fmt.Sprintf("%s sees %v live speakers, want %v", node, got, n)
				}
			}
			return ""
		}
	}
	t.Cleanup(func() {
		if t.Failed() {
			b, _ := os.ReadFile(w.speakers["node-1"].LogPath())
			t.Logf("node-1 speaker log:\n%s", b)
		}
	})
	split := map[string]float64{"node-1": 2, "node-2": 2, "node-3": 1}
	w.eventually("node-1 and node-2 together, node-3 alone", 15*time.Second, live(split))
	// Long enough for several rejoin rounds (1 s) to have tried.
	time.Sleep(3 * time.Second)
	if msg := live(split)(); msg != "" {
		t.Fatalf("3 s later: %s", msg)
	}

	if err := w.speakers["node-3"].Stop(5 * time.Second); err != nil {
		t.Logf("stop: %v", err)
	}
	w.startSpeaker(w.node("node-3"), secret("farol-system", "farol-memberlist")...)
	w.eventually("all three together with one key", 15*time.Second, live(map[string]float64{"node-1": 3, "node-2": 3, "node-3": 3}))
}
