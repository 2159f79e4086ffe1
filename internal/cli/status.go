package cli

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	"github.com/farol-lb/farol/internal/cli/inspect"
)

func statusCommand(s Streams, cl *Cluster) *cobra.Command {
	var (
		f      inspectFlags
		all    bool
		output string
	)
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show pools, Services and their addresses, speakers and BGP sessions",
		Long: `status reads the cluster and shows:
  - every AddressPool: addresses, capacity and use per family, Ready and why not
    (from the pool's status, written by the controller);
  - every LoadBalancer Service Farol serves in the namespace (-n, or every
    namespace with -A): each address, its pool, the mode and the node(s) that
    announce it, as the speakers' own decision code computes it from the live
    objects, and where the cluster records another Layer 2 owner
    (farol.dev/announcing-ipv4/-ipv6), that it does;
  - which speakers are alive: a speaker counts as alive when its Pod is Ready
    (the speakers' membership is not visible from the API); without speaker
    Pods every Node's speaker is assumed alive, and the output says so;
  - every node's BGP sessions (its BGPNodeStatus).

-o json and -o yaml print the same as a stable structure (docs/cli.md).
"kubectl farol explain svc/NAME" says why for one Service.`,
		Example: `  # Everything Farol does in the current namespace
  kubectl farol status

  # In every namespace, as JSON for a script
  kubectl farol status -A -o json | jq '.services[] | select(.pending)'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if output != "table" && output != "json" && output != "yaml" {
				return fmt.Errorf("status: -o %q: want table, json or yaml", output)
			}
			ns := ""
			if !all {
				var err error
				if ns, err = cl.Namespaced(); err != nil {
					return err
				}
			}
			snap, err := f.load(cmd, cl, inspect.LoadOptions{Namespace: ns})
			if err != nil {
				return err
			}
			return writeReport(s, inspect.Status(snap, ns, f.options()), output)
		},
	}
	f.add(cmd)
	cmd.Flags().BoolVarP(&all, "all-namespaces", "A", false, "show the Services of every namespace")
	cmd.Flags().StringVarP(&output, "output", "o", "table", "output format: table, json or yaml")
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"table", "json", "yaml"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func writeReport(s Streams, r inspect.Report, output string) error {
	var (
		b   []byte
		err error
	)
	switch output {
	case "table":
		return r.WriteTable(s.Out)
	case "json":
		b, err = json.MarshalIndent(r, "", "  ")
		b = append(b, '\n')
	default:
		b, err = yaml.Marshal(r)
	}
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	if _, err := s.Out.Write(b); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	return nil
}
