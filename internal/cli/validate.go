package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/farol-lb/farol/internal/cli/manifest"
	"github.com/farol-lb/farol/internal/cli/validate"
)

func validateCommand(s Streams) *cobra.Command {
	var files []string
	cmd := &cobra.Command{
		Use:   "validate -f FILE|DIR|- ...",
		Short: "Check Farol objects in files the way admission does, without a cluster",
		Long: `validate reads AddressPool, L2Advertisement, BGPPeer and BGPAdvertisement
objects (farol.dev/v1alpha1) from files, directories (recursively: *.yaml, *.yml,
*.json) or standard input, multi-document YAML included, and checks them the way
the API server and Farol's admission webhook would. Objects of other kinds are
skipped.

Checked offline:
  - the CRDs' OpenAPI schema: types, required fields, bounds, lengths, patterns;
  - unknown and duplicated fields (strict decoding), names;
  - every rule of Farol's admission webhook, with the same code: addresses and
    ranges, selectors, BGP timers, ASNs and communities, and across the objects
    of the input: overlapping pools, LOCAL_PREF towards an eBGP peer, and (as
    warnings) pools and peers named but not defined, selectors that select
    nothing, aggregated routes that reach beyond their pool.
Checked only by the API server: the CRDs' CEL rules (most of which Farol's
webhook rules repeat, so they are covered above) and anything that needs the
objects already in the cluster: validate sees only its input.

Each problem is one line, "FILE: Kind/name: field: message"; warnings say
"warning:". The exit status is 1 when there is an error, 0 otherwise.`,
		Example: `  # Check a directory of manifests in CI
  kubectl farol validate -f deploy/

  # Check the output of kustomize
  kubectl kustomize overlays/prod | kubectl farol validate -f -

  # Check what the MetalLB importer wrote
  kubectl farol import metallb -f metallb.yaml | kubectl farol validate -f -`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if len(files) == 0 {
				return fmt.Errorf("validate: -f is required")
			}
			docs, problems, err := manifest.Read(files, s.In)
			if err != nil {
				return err
			}
			res, err := validate.Check(docs)
			if err != nil {
				return err
			}
			if err := writeLines(s.Out, problems); err != nil {
				return err
			}
			if err := writeLines(s.Out, res.Findings); err != nil {
				return err
			}
			errs := res.Errors() + len(problems)
			if _, err := fmt.Fprintf(s.Err, "%s checked: %s, %s\n", count(res.Objects, "Farol object"), count(errs, "error"), count(len(res.Findings)-res.Errors(), "warning")); err != nil {
				return fmt.Errorf("write: %w", err)
			}
			if errs > 0 {
				return ErrFailed
			}
			return nil
		},
	}
	filenameFlag(cmd, &files)
	return cmd
}

// count says "1 error", "2 errors".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
