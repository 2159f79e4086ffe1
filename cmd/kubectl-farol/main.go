// Command kubectl-farol is the kubectl plugin `kubectl farol` (on PATH it
// is found by kubectl; it also runs on its own). main only hands the
// command line to internal/cli.
package main

import (
	"os"

	"github.com/farol-lb/farol/internal/cli"
)

func main() {
	os.Exit(cli.Run(os.Args[1:], cli.Streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}))
}
