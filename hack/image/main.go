// Command image writes Farol's container image as one archive, without a
// container daemon and without pulling a base image: `make image` builds a
// static farol binary and calls this program to put it on an empty base.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"time"
)

func main() {
	var o options
	var created string
	flag.StringVar(&o.Binary, "binary", "", "static linux farol binary to put at /farol")
	flag.StringVar(&o.Arch, "arch", "", "GOARCH the binary was built for (amd64, arm64)")
	flag.StringVar(&o.Ref, "ref", "", "image reference, e.g. ghcr.io/farol-lb/farol:v0.1.0")
	flag.StringVar(&o.Version, "version", "", "org.opencontainers.image.version label")
	flag.StringVar(&o.Revision, "revision", "", "org.opencontainers.image.revision label")
	flag.StringVar(&o.Source, "source", "", "org.opencontainers.image.source label")
	flag.StringVar(&created, "created", "0", "creation time in Unix seconds (SOURCE_DATE_EPOCH), so the same inputs give the same archive")
	flag.StringVar(&o.Out, "o", "", "archive to write")
	flag.Parse()
	if err := run(&o, created); err != nil {
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(1)
	}
}

func run(o *options, created string) error {
	secs, err := strconv.ParseInt(created, 10, 64)
	if err != nil {
		return fmt.Errorf("-created %q: %w", created, err)
	}
	o.Created = time.Unix(secs, 0).UTC()
	if o.Binary == "" || o.Arch == "" || o.Ref == "" || o.Out == "" {
		return errors.New("-binary, -arch, -ref and -o are required")
	}
	return write(o)
}
