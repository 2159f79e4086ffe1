package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestHelpAndCompletion: every command's help has examples, and the
// completion scripts are generated for each shell.
func TestHelpAndCompletion(t *testing.T) {
	tests := map[string]struct {
		args []string
		want string
	}{
		"validate help":       {[]string{"validate", "--help"}, "kubectl farol validate -f deploy/"},
		"import metallb help": {[]string{"import", "metallb", "--help"}, "kubectl farol import metallb -f metallb.yaml"},
		"root flags":          {[]string{"--help"}, "--kubeconfig"},
		"status help":         {[]string{"status", "--help"}, "kubectl farol status -A -o json"},
		"explain help":        {[]string{"explain", "--help"}, "--node worker-1"},
		"bash":                {[]string{"completion", "bash"}, "__start_kubectl-farol"},
		"zsh":                 {[]string{"completion", "zsh"}, "#compdef kubectl-farol"},
		"fish":                {[]string{"completion", "fish"}, "complete -c kubectl-farol"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := run(tc.args, nil)
			if got["exit"] != "0\n" || !strings.Contains(got["stdout"], tc.want) {
				t.Errorf("%v: exit %s, stdout lacks %q:\n%s%s", tc.args, got["exit"], tc.want, got["stdout"], got["stderr"])
			}
		})
	}
}

// TestCompleteService: explain completes svc/NAME with the LoadBalancer
// Services of the namespace.
func TestCompleteService(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "clusters", "lab.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	got := runIn(fakeCluster(t, data), []string{cobra.ShellCompRequestCmd, "explain", "-n", "demo", "svc/w"}, nil)
	if want := "svc/waiting\nsvc/web\nsvc/web2\nsvc/web3\n:4\n"; !strings.HasPrefix(got["stdout"], want) {
		t.Fatalf("completion:\n%s\nwant it to start with\n%s", got["stdout"], want)
	}
}
