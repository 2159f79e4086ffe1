package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// The image's fixed contract (shared with the manifests in config/):
// the binary at /farol runs as an unprivileged user that owns nothing in
// the image.
const (
	entrypoint = "/farol"
	user       = "65532:65532"
)

type options struct {
	Binary   string
	Arch     string
	Ref      string
	Version  string
	Revision string
	Source   string
	Created  time.Time
	Out      string
}

// image is the binary on an empty base. A static Go binary needs nothing
// else: no libc, no shell, no CA bundle (the cluster's CA comes with the
// service account), no /etc/passwd (the user is numeric).
//
// empty.Image gives Docker schema 2 media types. That is deliberate: a
// docker-archive's manifest.json carries no manifest, so `docker load` and
// `crane push` rebuild a Docker schema 2 one from the config and layers;
// with the same media types here, every reader of the archive arrives at
// the one manifest digest the OCI index names.
func image(o *options) (v1.Image, error) {
	bin, err := os.ReadFile(o.Binary)
	if err != nil {
		return nil, err
	}
	layer, err := binaryLayer(bin, o.Created)
	if err != nil {
		return nil, err
	}
	img, err := mutate.Append(empty.Image, mutate.Addendum{
		Layer:   layer,
		History: v1.History{Created: v1.Time{Time: o.Created}, CreatedBy: "make image", Comment: "farol binary at " + entrypoint},
	})
	if err != nil {
		return nil, err
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cfg = cfg.DeepCopy()
	cfg.OS = "linux"
	cfg.Architecture = o.Arch
	cfg.Created = v1.Time{Time: o.Created}
	cfg.Config = v1.Config{
		Entrypoint: []string{entrypoint},
		User:       user,
		WorkingDir: "/",
		Labels: map[string]string{
			"org.opencontainers.image.source":   o.Source,
			"org.opencontainers.image.version":  o.Version,
			"org.opencontainers.image.revision": o.Revision,
		},
	}
	return mutate.ConfigFile(img, cfg)
}

// binaryLayer is a gzipped tar holding the binary as /farol, owned by root
// and not writable by the user it runs as. Every header field is fixed, so
// the same binary always gives the same layer digest.
func binaryLayer(bin []byte, mtime time.Time) (v1.Layer, error) {
	var raw bytes.Buffer
	tw := tar.NewWriter(&raw)
	hdr := &tar.Header{
		Typeflag: tar.TypeReg,
		Name:     entrypoint[1:],
		Mode:     0o755,
		Size:     int64(len(bin)),
		ModTime:  mtime,
		Format:   tar.FormatUSTAR,
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return nil, err
	}
	if _, err := tw.Write(bin); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	if _, err := raw.WriteTo(zw); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("compress layer: %w", err)
	}
	blob := gz.Bytes()
	// A gzipped blob is taken as the compressed layer as it is, not
	// compressed again.
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(blob)), nil
	})
}
