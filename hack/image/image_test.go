package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/validate"
)

// What the test asks `make image` for, and so what it expects to find.
const (
	testVersion = "v0.0.0-imagetest"
	testCommit  = "feedbee"
	testRef     = "ghcr.io/farol-lb/farol:" + testVersion
	testEpoch   = "1700000000"
)

// TestImage runs `make image` as a user would and reads the archive the way
// each consumer does: the OCI layout (ctr import), manifest.json (docker
// load, crane push), go-containerregistry's own readers, a push to a
// registry, and the binary itself.
func TestImage(t *testing.T) {
	dir := t.TempDir()
	path := makeImage(t, filepath.Join(dir, "farol-image.tar"))
	a := readArchive(t, path)

	// The OCI side: oci-layout, index.json -> manifest -> config, layers.
	var lay struct {
		Version string `json:"imageLayoutVersion"`
	}
	a.json(t, layoutFile, &lay)
	if lay.Version != "1.0.0" {
		t.Errorf("oci-layout version %q, want 1.0.0", lay.Version)
	}
	var index v1.IndexManifest
	a.json(t, indexFile, &index)
	if len(index.Manifests) != 1 {
		t.Fatalf("index.json has %d manifests, want 1", len(index.Manifests))
	}
	desc := index.Manifests[0]
	if got := desc.Annotations[annotationImageName]; got != testRef {
		t.Errorf("index %s = %q, want %q (the name ctr import stores)", annotationImageName, got, testRef)
	}
	if got := desc.Annotations["org.opencontainers.image.ref.name"]; got != testVersion {
		t.Errorf("index ref.name = %q, want the tag %q", got, testVersion)
	}
	var manifest v1.Manifest
	if err := json.Unmarshal(a.blob(t, desc.Digest), &manifest); err != nil {
		t.Fatalf("manifest: %v", err)
	}
	if len(manifest.Layers) != 1 {
		t.Fatalf("manifest has %d layers, want 1", len(manifest.Layers))
	}

	t.Run("manifest.json names the blobs the OCI index does", func(t *testing.T) {
		var docker tarball.Manifest
		a.json(t, manifestFile, &docker)
		if len(docker) != 1 {
			t.Fatalf("manifest.json has %d images, want 1", len(docker))
		}
		d := docker[0]
		if want := blobPath(manifest.Config.Digest); d.Config != want {
			t.Errorf("manifest.json Config = %q, the index's config is %q", d.Config, want)
		}
		if want := []string{blobPath(manifest.Layers[0].Digest)}; !slices.Equal(d.Layers, want) {
			t.Errorf("manifest.json Layers = %q, the index's are %q", d.Layers, want)
		}
		if !slices.Equal(d.RepoTags, []string{testRef}) {
			t.Errorf("manifest.json RepoTags = %q, want [%s]", d.RepoTags, testRef)
		}
	})

	var cfg v1.ConfigFile
	if err := json.Unmarshal(a.blob(t, manifest.Config.Digest), &cfg); err != nil {
		t.Fatalf("config: %v", err)
	}
	t.Run("config runs /farol as a non-root user", func(t *testing.T) {
		if !slices.Equal(cfg.Config.Entrypoint, []string{"/farol"}) {
			t.Errorf("entrypoint %q, want [/farol]", cfg.Config.Entrypoint)
		}
		if cfg.Config.User != "65532:65532" {
			t.Errorf("user %q, want 65532:65532", cfg.Config.User)
		}
		if cfg.OS != "linux" || cfg.Architecture != runtime.GOARCH {
			t.Errorf("platform %s/%s, want linux/%s", cfg.OS, cfg.Architecture, runtime.GOARCH)
		}
		for k, want := range map[string]string{
			"org.opencontainers.image.source":   "https://github.com/farol-lb/farol",
			"org.opencontainers.image.version":  testVersion,
			"org.opencontainers.image.revision": testCommit,
		} {
			if got := cfg.Config.Labels[k]; got != want {
				t.Errorf("label %s = %q, want %q", k, got, want)
			}
		}
		if got := cfg.Created.Unix(); got != 1700000000 {
			t.Errorf("created %v, want SOURCE_DATE_EPOCH %s", cfg.Created, testEpoch)
		}
	})

	t.Run("the layer holds /farol and it prints its version", func(t *testing.T) {
		bin := a.farol(t, manifest.Layers[0].Digest, cfg.RootFS.DiffIDs)
		exe := filepath.Join(dir, "farol")
		if err := os.WriteFile(exe, bin, 0o755); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(exe, "version").CombinedOutput()
		if err != nil {
			t.Fatalf("farol version: %v\n%s", err, out)
		}
		want := "farol " + testVersion + " commit " + testCommit + " " + runtime.Version() + "\n"
		if string(out) != want {
			t.Errorf("farol version printed %q, want %q", out, want)
		}
	})

	t.Run("go-containerregistry reads it as a tarball and as a layout", func(t *testing.T) {
		fromTar, err := tarball.ImageFromPath(path, nil)
		if err != nil {
			t.Fatalf("tarball.ImageFromPath: %v", err)
		}
		layoutDir := filepath.Join(dir, "layout")
		a.extract(t, layoutDir)
		idx, err := layout.ImageIndexFromPath(layoutDir)
		if err != nil {
			t.Fatalf("layout.ImageIndexFromPath: %v", err)
		}
		fromLayout, err := idx.Image(desc.Digest)
		if err != nil {
			t.Fatalf("layout image %s: %v", desc.Digest, err)
		}
		for name, img := range map[string]v1.Image{"tarball": fromTar, "layout": fromLayout} {
			if err := validate.Image(img); err != nil {
				t.Errorf("%s: %v", name, err)
			}
			if d, err := img.Digest(); err != nil || d != desc.Digest {
				t.Errorf("%s reads manifest %v (%v), the index names %v", name, d, err, desc.Digest)
			}
		}
	})

	t.Run("crane push of the file gives the same digest", func(t *testing.T) {
		// What `crane push farol-image.tar REF` does: read the file as a
		// docker-archive and write it to the registry.
		srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
		defer srv.Close()
		ref, err := name.NewTag(strings.TrimPrefix(srv.URL, "http://") + "/farol-lb/farol:" + testVersion)
		if err != nil {
			t.Fatal(err)
		}
		img, err := tarball.ImageFromPath(path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := remote.Write(ref, img); err != nil {
			t.Fatalf("push: %v", err)
		}
		got, err := remote.Head(ref)
		if err != nil {
			t.Fatalf("head: %v", err)
		}
		if got.Digest != desc.Digest {
			t.Errorf("registry holds %v, the index names %v", got.Digest, desc.Digest)
		}
	})

	t.Run("the same inputs give the same archive", func(t *testing.T) {
		again := makeImage(t, filepath.Join(dir, "again.tar"))
		first, _ := os.ReadFile(path)
		second, _ := os.ReadFile(again)
		if !bytes.Equal(first, second) {
			t.Errorf("two runs of make image differ (%d and %d bytes)", len(first), len(second))
		}
	})
}

// makeImage runs `make image` in the repository with the test's version,
// commit and time, writing the archive to out.
func makeImage(t *testing.T, out string) string {
	t.Helper()
	cmd := exec.Command("make", "-s", "-C", "../..", "image",
		"VERSION="+testVersion, "COMMIT="+testCommit, "IMAGE="+testRef,
		"IMAGE_TAR="+out, "SOURCE_DATE_EPOCH="+testEpoch)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make image: %v\n%s", err, b)
	}
	return out
}

// archive is the image archive's regular files by name.
type archive map[string][]byte

func readArchive(t *testing.T, path string) archive {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	a := archive{}
	tr := tar.NewReader(f)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return a
		}
		if err != nil {
			t.Fatalf("read %s: %v", path, err)
		}
		if hdr.Typeflag == tar.TypeReg {
			b, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			a[hdr.Name] = b
		}
	}
}

func (a archive) json(t *testing.T, name string, v any) {
	t.Helper()
	b, ok := a[name]
	if !ok {
		t.Fatalf("archive has no %s", name)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// blob is the blob named by d, which must be there and hash to d.
func (a archive) blob(t *testing.T, d v1.Hash) []byte {
	t.Helper()
	b, ok := a[blobPath(d)]
	if !ok {
		t.Fatalf("archive has no blob %s", d)
	}
	if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != d.Hex {
		t.Fatalf("blob %s hashes to %x", d, sum)
	}
	return b
}

// farol is /farol from the layer d, whose uncompressed digest must be the
// config's only diff ID; it must be the layer's only file, owned by root,
// executable and not writable by the user the image runs as.
func (a archive) farol(t *testing.T, d v1.Hash, diffIDs []v1.Hash) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(a.blob(t, d)))
	if err != nil {
		t.Fatalf("layer: %v", err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("layer: %v", err)
	}
	sum := sha256.Sum256(raw)
	if diff := (v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(sum[:])}); !slices.Equal(diffIDs, []v1.Hash{diff}) {
		t.Errorf("config diff_ids %v, the layer is %v", diffIDs, diff)
	}
	var bin []byte
	tr := tar.NewReader(bytes.NewReader(raw))
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("layer: %v", err)
		}
		if filepath.Clean("/"+hdr.Name) != "/farol" {
			t.Errorf("layer holds %s besides /farol", hdr.Name)
			continue
		}
		if hdr.Typeflag != tar.TypeReg || hdr.Mode != 0o755 || hdr.Uid != 0 || hdr.Gid != 0 {
			t.Errorf("/farol: type %c mode %o owner %d:%d, want a root-owned 0755 file", hdr.Typeflag, hdr.Mode, hdr.Uid, hdr.Gid)
		}
		if bin, err = io.ReadAll(tr); err != nil {
			t.Fatal(err)
		}
	}
	if bin == nil {
		t.Fatal("the layer has no /farol")
	}
	return bin
}

// extract unpacks the archive into dir, as `tar -x` before `crane push DIR`.
func (a archive) extract(t *testing.T, dir string) {
	t.Helper()
	for name, b := range a {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
