package cli

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// ErrFailed makes the command exit with status 1 after it has said why on
// its own (validate's findings).
var ErrFailed = errors.New("failed")

// Streams are the command's standard input, output and error; tests pass
// buffers.
type Streams struct {
	In       io.Reader
	Out, Err io.Writer
}

// Cluster holds kubectl's flags for the commands that talk to a cluster.
type Cluster struct {
	Kubeconfig string
	Context    string
	Namespace  string
}

// RESTConfig loads the client configuration as kubectl does: --kubeconfig,
// else $KUBECONFIG, else ~/.kube/config, else in-cluster.
func (c Cluster) RESTConfig() (*rest.Config, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = c.Kubeconfig
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules,
		&clientcmd.ConfigOverrides{CurrentContext: c.Context}).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("load kubeconfig: %w", err)
	}
	return cfg, nil
}

// NewRoot builds `kubectl farol` and its commands.
func NewRoot(s Streams) *cobra.Command {
	var cl Cluster
	root := &cobra.Command{
		Use:   "kubectl-farol",
		Short: "Inspect, check and migrate Farol load balancer configuration",
		Long: `kubectl farol checks Farol configuration files the way admission does and
converts MetalLB configuration to Farol's. Installed on PATH as kubectl-farol
it runs as "kubectl farol"; it also runs on its own.`,
		Annotations:   map[string]string{cobra.CommandDisplayNameAnnotation: "kubectl farol"},
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(s.In)
	root.SetOut(s.Out)
	root.SetErr(s.Err)
	f := root.PersistentFlags()
	f.StringVar(&cl.Kubeconfig, "kubeconfig", "", "path to the kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")
	f.StringVar(&cl.Context, "context", "", "the kubeconfig context to use")
	f.StringVarP(&cl.Namespace, "namespace", "n", "", "the namespace of namespaced objects")
	root.AddCommand(validateCommand(s), importCommand(s))
	return root
}

// Run runs the command line args and returns the exit status: 0, or 1
// after an error (printed on Err unless the command printed its own).
func Run(args []string, s Streams) int {
	root := NewRoot(s)
	root.SetArgs(args)
	err := root.Execute()
	switch {
	case err == nil:
		return 0
	case errors.Is(err, ErrFailed):
		return 1
	}
	// Nothing is left to tell when standard error fails too.
	_, _ = fmt.Fprintln(s.Err, "error:", err)
	return 1
}

// writeLines writes one item a line; the error is the first write's that
// failed (a closed pipe).
func writeLines[T fmt.Stringer](w io.Writer, items []T) error {
	for _, it := range items {
		if _, err := fmt.Fprintln(w, it); err != nil {
			return fmt.Errorf("write: %w", err)
		}
	}
	return nil
}

// filenameFlag defines kubectl's -f, repeatable; shells complete manifests
// and directories for it.
func filenameFlag(cmd *cobra.Command, files *[]string) {
	cmd.Flags().StringArrayVarP(files, "filename", "f", nil, "file, directory or - (stdin) to read; repeatable")
	if err := cmd.MarkFlagFilename("filename", "yaml", "yml", "json"); err != nil {
		panic(err) // only when the flag does not exist, and it was defined on the line above
	}
}
