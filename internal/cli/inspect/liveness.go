package inspect

import (
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
)

// Speakers is what the API shows of the speakers' liveness. The
// speakers' membership (memberlist) is not visible from the API; a speaker
// counts as alive when its Pod is Ready, which its health endpoint
// decides. Without speaker Pods (a speaker run outside the DaemonSet, or
// no permission to list them), every Node's speaker is assumed alive.
type Speakers struct {
	// Observed: speaker Pods were found, so liveness is read, not
	// assumed.
	Observed bool `json:"observed"`
	// Alive are the nodes whose speaker is (taken as) alive, sorted.
	Alive []string `json:"alive"`
	// NotAlive maps each other Node to why its speaker is not counted.
	NotAlive map[string]string `json:"notAlive,omitempty"`
	// Assumption says in words how liveness was decided.
	Assumption string `json:"assumption"`
}

// liveness reads the speakers' liveness from the snapshot.
func liveness(s *Snapshot, namespace string) Speakers {
	var out Speakers
	if len(s.SpeakerPods) == 0 {
		for _, n := range s.Nodes {
			out.Alive = append(out.Alive, n.Name)
		}
		slices.Sort(out.Alive)
		why := fmt.Sprintf("no speaker Pods found in namespace %s", namespace)
		if s.SpeakerPodsErr != nil {
			why = s.SpeakerPodsErr.Error()
		}
		out.Assumption = why + "; every Node's speaker is assumed alive (the speakers' membership is not visible from the API)"
		return out
	}
	out.Observed = true
	out.Assumption = "a speaker is taken as alive when its Pod is Ready (the speakers' membership is not visible from the API)"
	ready := map[string]bool{}
	for _, p := range s.SpeakerPods {
		if p.Spec.NodeName != "" && p.DeletionTimestamp == nil && podReady(&p) {
			ready[p.Spec.NodeName] = true
		}
	}
	out.NotAlive = map[string]string{}
	for _, n := range s.Nodes {
		if ready[n.Name] {
			out.Alive = append(out.Alive, n.Name)
			continue
		}
		out.NotAlive[n.Name] = "no Ready speaker Pod"
		for _, p := range s.SpeakerPods {
			if p.Spec.NodeName == n.Name {
				out.NotAlive[n.Name] = fmt.Sprintf("speaker Pod %s is %s and not Ready", p.Name, p.Status.Phase)
			}
		}
	}
	slices.Sort(out.Alive)
	return out
}

func podReady(p *corev1.Pod) bool {
	if p.Status.Phase != corev1.PodRunning {
		return false
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
