package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/farol-lb/farol/internal/cli/inspect"
)

func explainCommand(s Streams, cl *Cluster) *cobra.Command {
	var (
		f     inspectFlags
		nodes []string
	)
	cmd := &cobra.Command{
		Use:   "explain svc/NAME",
		Short: "Say why a Service has or lacks each address, and why each node does or does not announce it",
		Long: `explain walks every rule Farol applies to one Service, in order, and says in
words whether it passes and what it found. It runs the controller's and the
speakers' own code on the live objects, so its answer is theirs:

  Address (the controller): type, class, the request (pool, addresses,
  families, sharing key), every pool in the order it is tried (disabled,
  autoAssign, namespaces, selectors, priority) with its use, then the
  assignment replayed: the address, exhaustion, an address taken, a sharing
  conflict, the family policy, an orphaned address.

  Announcement (the speakers), per address: who announces it and how; then
  per node and mode: the advertisements that select the pool, their node
  selectors, the exclusion label, cordon, NetworkUnavailable, the speaker's
  liveness, a ready local endpoint (externalTrafficPolicy Local), the owner
  elected by the ring and its interfaces (Layer 2), or the route and peers
  (BGP).

Where the cluster records something else (the Service's status, the
farol.dev/announcing-* annotations, BGPNodeStatus), explain says DISAGREES: a
controller or speaker has not converged, or liveness differs from what was
assumed. The last events of the controller and the speakers close each part.`,
		Example: `  # Why is my Service still <pending>?
  kubectl farol explain svc/web -n shop

  # Which node answers for it, and why not the others?
  kubectl farol explain service/web -n shop

  # Only the rules of two nodes
  kubectl farol explain svc/web -n shop --node worker-1 --node worker-2`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeServices(cl),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, err := serviceName(args[0])
			if err != nil {
				return err
			}
			ns, err := cl.Namespaced()
			if err != nil {
				return err
			}
			snap, err := f.load(cmd, cl, inspect.LoadOptions{Namespace: ns, Events: true})
			if err != nil {
				return err
			}
			o := f.options()
			o.Nodes = nodes
			return inspect.Explain(s.Out, snap, ns, name, o)
		},
	}
	f.add(cmd)
	cmd.Flags().StringArrayVar(&nodes, "node", nil, "show the rules of this node only; repeatable (default: every node)")
	return cmd
}

// serviceName reads "svc/NAME" or "service/NAME" (kubectl's spelling, or
// services).
func serviceName(arg string) (string, error) {
	kind, name, ok := strings.Cut(arg, "/")
	switch {
	case !ok || name == "" || strings.Contains(name, "/"):
		return "", fmt.Errorf("explain: %q: want svc/NAME", arg)
	case kind != "svc" && kind != "service" && kind != "services":
		return "", fmt.Errorf("explain: %q: only Services are explained (svc/NAME)", arg)
	}
	return name, nil
}

// completeServices completes svc/NAME with the LoadBalancer Services of
// the namespace.
func completeServices(cl *Cluster) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		r, err := cl.Reader()
		if err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
		ns, err := cl.Namespaced()
		if err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
		var list corev1.ServiceList
		if err := r.List(cmd.Context(), &list, client.InNamespace(ns)); err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
		var out []string
		for _, s := range list.Items {
			if c := "svc/" + s.Name; s.Spec.Type == corev1.ServiceTypeLoadBalancer && strings.HasPrefix(c, toComplete) {
				out = append(out, c)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}
