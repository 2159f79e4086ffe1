package main

import (
	"archive/tar"
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// The archive is one tar that is two formats over the same blobs, because
// the tools that take it read different ones:
//
//   - an OCI image layout (oci-layout, index.json, blobs/sha256/<hex>):
//     what `ctr images import` and `k3s ctr images import` prefer when
//     oci-layout is present (containerd names the image from the
//     io.containerd.image.name annotation), what Docker 25+ loads with the
//     containerd image store, and what an unpacked copy gives `crane push`
//     as a directory;
//   - a docker-archive manifest.json whose Config and Layers are paths of
//     those same blobs: what `docker load` reads (every version; older ones
//     know nothing else) and what `crane push <file>` reads
//     (tarball.ImageFromPath).
//
// This is the shape `docker save` has written since Docker 25, so each tool
// meets an archive it has seen before. ggcr's tarball.Write and layout.Write
// each write only one of the two, so the tar is written here.
const (
	layoutFile   = "oci-layout"
	indexFile    = "index.json"
	manifestFile = "manifest.json"
	blobDir      = "blobs/sha256"

	// annotationImageName is containerd's name for the image an index
	// entry is (Docker writes it too); the OCI ref name is only the tag.
	annotationImageName = "io.containerd.image.name"
)

// write builds the image and writes the archive to o.Out.
func write(o *options) error {
	ref, err := name.NewTag(o.Ref, name.StrictValidation)
	if err != nil {
		return fmt.Errorf("-ref: %w", err)
	}
	img, err := image(o)
	if err != nil {
		return fmt.Errorf("build image: %w", err)
	}
	f, err := os.Create(o.Out)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(f)
	err = writeArchive(bw, img, ref, o.Created)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(o.Out)
		return fmt.Errorf("write %s: %w", o.Out, err)
	}
	return nil
}

// fullName is the reference as containerd and Docker store it: a registry
// always, "docker.io" rather than ggcr's "index.docker.io".
func fullName(ref name.Tag) string {
	reg := ref.RegistryStr()
	if reg == name.DefaultRegistry {
		reg = "docker.io"
	}
	return reg + "/" + ref.RepositoryStr() + ":" + ref.TagStr()
}

func blobPath(h v1.Hash) string { return path.Join(blobDir, h.Hex) }

func writeArchive(w io.Writer, img v1.Image, ref name.Tag, mtime time.Time) error {
	a := archiveWriter{tw: tar.NewWriter(w), mtime: mtime}
	a.dir("blobs/")
	a.dir(blobDir + "/")

	layers, err := img.Layers()
	if err != nil {
		return err
	}
	var layerPaths []string
	for _, l := range layers {
		d, err := l.Digest()
		if err != nil {
			return err
		}
		rc, err := l.Compressed()
		if err != nil {
			return err
		}
		size, err := l.Size()
		if err != nil {
			return err
		}
		a.stream(blobPath(d), size, rc)
		layerPaths = append(layerPaths, blobPath(d))
	}

	cfgName, err := img.ConfigName()
	if err != nil {
		return err
	}
	rawCfg, err := img.RawConfigFile()
	if err != nil {
		return err
	}
	a.file(blobPath(cfgName), rawCfg)

	digest, err := img.Digest()
	if err != nil {
		return err
	}
	rawManifest, err := img.RawManifest()
	if err != nil {
		return err
	}
	mediaType, err := img.MediaType()
	if err != nil {
		return err
	}
	a.file(blobPath(digest), rawManifest)

	a.json(indexFile, v1.IndexManifest{
		SchemaVersion: 2,
		MediaType:     types.OCIImageIndex,
		Manifests: []v1.Descriptor{{
			MediaType: mediaType,
			Size:      int64(len(rawManifest)),
			Digest:    digest,
			Annotations: map[string]string{
				annotationImageName:                 fullName(ref),
				"org.opencontainers.image.ref.name": ref.TagStr(),
			},
		}},
	})
	a.json(manifestFile, tarball.Manifest{{
		Config:   blobPath(cfgName),
		RepoTags: []string{fullName(ref)},
		Layers:   layerPaths,
	}})
	a.json(layoutFile, map[string]string{"imageLayoutVersion": "1.0.0"})
	if a.err != nil {
		return a.err
	}
	return a.tw.Close()
}

// archiveWriter writes tar entries with fixed owners, modes and times, and
// keeps the first error so the sequence above reads straight.
type archiveWriter struct {
	tw    *tar.Writer
	mtime time.Time
	err   error
}

func (a *archiveWriter) header(name string, typ byte, mode, size int64) bool {
	if a.err != nil {
		return false
	}
	a.err = a.tw.WriteHeader(&tar.Header{
		Typeflag: typ,
		Name:     name,
		Mode:     mode,
		Size:     size,
		ModTime:  a.mtime,
		Format:   tar.FormatUSTAR,
	})
	return a.err == nil
}

func (a *archiveWriter) dir(name string) { a.header(name, tar.TypeDir, 0o755, 0) }

func (a *archiveWriter) file(name string, b []byte) {
	if a.header(name, tar.TypeReg, 0o644, int64(len(b))) {
		_, a.err = a.tw.Write(b)
	}
}

func (a *archiveWriter) stream(name string, size int64, rc io.ReadCloser) {
	if a.header(name, tar.TypeReg, 0o644, size) {
		_, a.err = io.Copy(a.tw, rc)
	}
	if err := rc.Close(); a.err == nil {
		a.err = err
	}
}

func (a *archiveWriter) json(name string, v any) {
	if a.err != nil {
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		a.err = err
		return
	}
	a.file(name, b)
}
