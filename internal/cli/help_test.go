package cli

import (
	"strings"
	"testing"
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
