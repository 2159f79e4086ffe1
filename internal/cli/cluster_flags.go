package cli

import (
	"github.com/spf13/cobra"

	"github.com/farol-lb/farol/internal/cli/inspect"
)

// inspectFlags are the assumptions status and explain make about the
// cluster's Farol, as flags.
type inspectFlags struct {
	defaultClass     bool
	speakerNamespace string
}

func (f *inspectFlags) add(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.BoolVar(&f.defaultClass, "default-class", true, "the controller serves LoadBalancer Services without spec.loadBalancerClass (its --default-class)")
	fl.StringVar(&f.speakerNamespace, "speaker-namespace", "farol-system", "the namespace of the speaker Pods, whose readiness tells which speakers are alive")
}

func (f *inspectFlags) options() inspect.Options {
	return inspect.Options{DefaultClass: f.defaultClass, SpeakerNamespace: f.speakerNamespace}
}

func (f *inspectFlags) load(cmd *cobra.Command, cl *Cluster, o inspect.LoadOptions) (*inspect.Snapshot, error) {
	r, err := cl.Reader()
	if err != nil {
		return nil, err
	}
	o.SpeakerNamespace = f.speakerNamespace
	return inspect.Load(cmd.Context(), r, o)
}
