package integration

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/farol-lb/farol/test/cluster"
)

// TestInstallKustomize: config/default applies to a real API server, first
// with server-side dry-run (the server's full validation, nothing stored),
// then for real, without any Pod Security warning; the ServiceAccounts then
// have exactly the permissions of the least-privilege table, and the
// speaker can change no more of a Service than its own annotations.
// config/monitoring applies on top where the Prometheus Operator's CRDs
// are installed.
func TestInstallKustomize(t *testing.T) {
	c := cluster.StartT(t, cluster.Options{})
	// Dry-run stores nothing, so the namespaced objects need their
	// namespace to exist already.
	kubectl(t, c, nil, "apply", "-k", repoPath("config/namespace"))
	kubectl(t, c, nil, "apply", "-k", repoPath(kustomizeDefault), "--dry-run=server")
	if stderr := kubectl(t, c, nil, "apply", "-k", repoPath(kustomizeDefault)); strings.Contains(stderr, "PodSecurity") {
		t.Errorf("apply warned about Pod Security: %s", stderr)
	}
	checkAccess(t, c, leastPrivilege("farol-memberlist", true))
	checkSpeakerServiceWrites(t, c)

	if err := c.InstallCRDs(t.Context(), repoPath("test/integration/testdata/monitoring-crds")); err != nil {
		t.Fatal(err)
	}
	kubectl(t, c, nil, "apply", "-k", repoPath("config/monitoring"), "--dry-run=server")
	kubectl(t, c, nil, "apply", "-k", repoPath("config/monitoring"))
}

// kubectl runs kubectl against the cluster with stdin (may be nil), fails
// the test on error and returns standard error (warnings).
func kubectl(t *testing.T, c *cluster.Cluster, stdin []byte, args ...string) string {
	t.Helper()
	return runStderr(t, c.Kubectl(args...), stdin)
}

func runStderr(t *testing.T, cmd *exec.Cmd, stdin []byte) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s%s", strings.Join(cmd.Args, " "), err, stdout.Bytes(), stderr.Bytes())
	}
	return stderr.String()
}

// TestInstallChart installs the chart into a cluster of its own for each
// values file: rendered and applied with server-side dry-run, then
// installed for real (helm install, or helm template | kubectl apply
// --server-side for the values that render the namespace, which is how
// those are used), and
// the least-privilege table asked of the result.
func TestInstallChart(t *testing.T) {
	cases := map[string]struct {
		values string
		// What the cluster must have first: the CRDs when the chart does
		// not install them, the Prometheus Operator's CRDs, namespaces.
		crds, monitoringCRDs bool
		namespaces           []string
		// The chart renders its namespace: apply the rendering.
		rendersNamespace bool
		// A Pod Security warning expected from the apply ("" = none).
		podSecurityWarning string
		memberlistSecret   string
		speaker            bool
	}{
		"defaults": {memberlistSecret: "farol-memberlist", speaker: true},
		"all-values": {
			values: "ci/all-values.yaml", monitoringCRDs: true, namespaces: []string{"monitoring"},
			rendersNamespace: true, memberlistSecret: "my-gossip-key", speaker: true,
			// The values label the namespace baseline: the API server
			// says the speaker needs more, which is why the default is
			// privileged.
			podSecurityWarning: `would violate PodSecurity "baseline:latest": non-default capabilities (container "speaker" must not include "NET_ADMIN", "NET_RAW"`,
		},
		"controller-only": {values: "ci/controller-only-values.yaml", crds: true},
	}
	// Every values file in ci/ has its case.
	for _, v := range chartValuesFiles(t)[1:] {
		found := false
		for _, tc := range cases {
			found = found || tc.values == v[0]
		}
		if !found {
			t.Errorf("no case for %s", v[0])
		}
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c := cluster.StartT(t, cluster.Options{})
			if tc.crds {
				if err := c.InstallCRDs(t.Context(), repoPath("config/crd/bases")); err != nil {
					t.Fatal(err)
				}
			}
			if tc.monitoringCRDs {
				if err := c.InstallCRDs(t.Context(), repoPath("test/integration/testdata/monitoring-crds")); err != nil {
					t.Fatal(err)
				}
			}
			for _, ns := range append([]string{installNamespace}, tc.namespaces...) {
				kubectl(t, c, nil, "create", "namespace", ns)
			}
			var values []string
			if tc.values != "" {
				values = []string{tc.values}
			}
			rendered := renderChart(t, values...)
			kubectl(t, c, rendered, "apply", "--dry-run=server", "-f", "-")

			var warnings string
			if tc.rendersNamespace {
				warnings = kubectl(t, c, rendered, "apply", "--server-side", "-f", "-")
			} else {
				args := []string{"install", "farol", repoPath(chartDir), "--namespace", installNamespace}
				if tc.values != "" {
					args = append(args, "--values", filepath.Join(repoPath(chartDir), tc.values))
				}
				warnings = runStderr(t, c.Helm(args...), nil)
			}
			switch {
			case tc.podSecurityWarning == "" && strings.Contains(warnings, "PodSecurity"):
				t.Errorf("unexpected Pod Security warning: %s", warnings)
			case tc.podSecurityWarning != "" && !strings.Contains(warnings, tc.podSecurityWarning):
				t.Errorf("want a warning with %q, got: %s", tc.podSecurityWarning, warnings)
			}
			checkAccess(t, c, leastPrivilege(tc.memberlistSecret, tc.speaker))
			if !tc.rendersNamespace {
				upgradeAndUninstall(t, c, tc.values)
			}
		})
	}
}

// upgradeAndUninstall: helm upgrade with the same values goes through (the
// CRDs are templates, so they are upgraded too), and helm uninstall
// removes Farol but keeps the CRDs, and with them the users' pools.
func upgradeAndUninstall(t *testing.T, c *cluster.Cluster, values string) {
	t.Helper()
	args := []string{"upgrade", "farol", repoPath(chartDir), "--namespace", installNamespace}
	if values != "" {
		args = append(args, "--values", filepath.Join(repoPath(chartDir), values))
	}
	runStderr(t, c.Helm(args...), nil)
	runStderr(t, c.Helm("uninstall", "farol", "--namespace", installNamespace), nil)
	if exists(c, "deployment", "farol-controller", "--namespace", installNamespace) {
		t.Error("helm uninstall left the controller Deployment")
	}
	for _, crd := range []string{"addresspools.farol.dev", "l2advertisements.farol.dev", "bgppeers.farol.dev", "bgpadvertisements.farol.dev", "bgpnodestatuses.farol.dev"} {
		if !exists(c, "customresourcedefinition", crd) {
			t.Errorf("helm uninstall deleted the CRD %s", crd)
		}
	}
}

// exists reports whether kubectl get finds the object.
func exists(c *cluster.Cluster, args ...string) bool {
	return c.Kubectl(append([]string{"get", "--output=name"}, args...)...).Run() == nil
}
