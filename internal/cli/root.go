package cli

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
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
	// reader replaces the kubeconfig's cluster (tests); nil reads the
	// cluster.
	reader client.Reader
}

func (c Cluster) clientConfig() clientcmd.ClientConfig {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = c.Kubeconfig
	return clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules,
		&clientcmd.ConfigOverrides{CurrentContext: c.Context})
}

// RESTConfig loads the client configuration as kubectl does: --kubeconfig,
// else $KUBECONFIG, else ~/.kube/config, else in-cluster.
func (c Cluster) RESTConfig() (*rest.Config, error) {
	cfg, err := c.clientConfig().ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("load kubeconfig: %w", err)
	}
	return cfg, nil
}

// Reader is a client of the cluster that knows Farol's kinds.
func (c Cluster) Reader() (client.Reader, error) {
	if c.reader != nil {
		return c.reader, nil
	}
	cfg, err := c.RESTConfig()
	if err != nil {
		return nil, err
	}
	scheme, err := farolv1.Scheme()
	if err != nil {
		return nil, err
	}
	cl, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	return cl, nil
}

// Namespaced is the namespace of namespaced objects as kubectl picks it:
// -n, else the kubeconfig context's, else "default".
func (c Cluster) Namespaced() (string, error) {
	if c.Namespace != "" {
		return c.Namespace, nil
	}
	if c.reader != nil {
		return "default", nil
	}
	ns, _, err := c.clientConfig().Namespace()
	if err != nil {
		return "", fmt.Errorf("load kubeconfig: %w", err)
	}
	return ns, nil
}

// NewRoot builds `kubectl farol` and its commands.
func NewRoot(s Streams) *cobra.Command { return newRoot(s, nil) }

// newRoot builds the commands; reader, when set, replaces the cluster.
func newRoot(s Streams, reader client.Reader) *cobra.Command {
	cl := Cluster{reader: reader}
	root := &cobra.Command{
		Use:   "kubectl-farol",
		Short: "Inspect, check and migrate Farol load balancer configuration",
		Long: `kubectl farol shows what Farol does in a cluster and explains why, checks
Farol configuration files the way admission does and converts MetalLB
configuration to Farol's. Installed on PATH as kubectl-farol
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
	root.AddCommand(validateCommand(s), importCommand(s), statusCommand(s, &cl), explainCommand(s, &cl))
	return root
}

// Run runs the command line args and returns the exit status: 0, or 1
// after an error (printed on Err unless the command printed its own).
func Run(args []string, s Streams) int { return runRoot(newRoot(s, nil), args, s) }

func runRoot(root *cobra.Command, args []string, s Streams) int {
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
