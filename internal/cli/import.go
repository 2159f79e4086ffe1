package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/farol-lb/farol/internal/cli/manifest"
	"github.com/farol-lb/farol/internal/cli/metallb"
)

func importCommand(s Streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "import",
		Short: "Convert another load balancer's configuration to Farol objects",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(importMetalLBCommand(s))
	return cmd
}

func importMetalLBCommand(s Streams) *cobra.Command {
	var files []string
	cmd := &cobra.Command{
		Use:   "metallb -f FILE|DIR|- ...",
		Short: "Convert MetalLB configuration to Farol objects",
		Long: `metallb reads MetalLB configuration and writes the equivalent Farol objects
to standard output as YAML, ready for kubectl apply. It reads the legacy
ConfigMap (data key "config": address-pools, peers, bgp-communities,
bfd-profiles) and the metallb.io objects of v1beta1 and v1beta2: IPAddressPool,
L2Advertisement, BGPAdvertisement, BGPPeer, Community and BFDProfile. Secrets in
the input are copied to farol-system when a BGPPeer's passwordSecret names one;
an inline password becomes a Secret there. Other objects are skipped.

Each field that cannot be converted, or whose meaning changes, is written to
standard error with the reason, one line each. The output passes
"kubectl farol validate". docs/migrate-metallb.md explains the differences.`,
		Example: `  # Convert the objects of a running MetalLB
  kubectl get -n metallb-system ipaddresspools,l2advertisements,bgpadvertisements,bgppeers,communities,bfdprofiles -o yaml \
    | kubectl farol import metallb -f - > farol.yaml

  # Convert the legacy ConfigMap and check the result
  kubectl get -n metallb-system configmap config -o yaml > metallb.yaml
  kubectl farol import metallb -f metallb.yaml | kubectl farol validate -f -`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if len(files) == 0 {
				return fmt.Errorf("import metallb: -f is required")
			}
			docs, problems, err := manifest.Read(files, s.In)
			if err != nil {
				return err
			}
			if err := writeLines(s.Err, problems); err != nil {
				return err
			}
			res, err := metallb.Import(docs)
			if err != nil {
				return err
			}
			if err := res.WriteYAML(s.Out); err != nil {
				return err
			}
			if err := writeLines(s.Err, res.Notes); err != nil {
				return err
			}
			if len(problems) > 0 {
				return ErrFailed
			}
			return nil
		},
	}
	filenameFlag(cmd, &files)
	return cmd
}
