// Command kubectl is the upstream CLI at the same version as the API server,
// so the demo's output is not spoiled by version-skew warnings.
package main

import (
	"k8s.io/component-base/cli"
	"k8s.io/kubectl/pkg/cmd"
)

func main() { cli.RunNoErrOutput(cmd.NewDefaultKubectlCommand()) }
