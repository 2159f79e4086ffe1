// Package version tells which build of Farol is running.
//
// Version and Commit are the one exception to "no package-level mutable
// state": the linker can only set string variables (`make build` and `make
// image` pass -ldflags "-X github.com/farol-lb/farol/internal/version.Version=..."),
// and nothing in the program writes them.
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

var (
	// Version is `git describe --tags --always --dirty` at build time.
	Version = "dev"
	// Commit is the abbreviated commit hash the binary was built from.
	Commit = "unknown"
)

// shortCommit is the length `git rev-parse --short` gives in a repository
// the size of Farol's.
const shortCommit = 7

// Info is what `farol version` prints.
type Info struct {
	Version string
	Commit  string
	Go      string
}

// Get returns the build's version, commit and Go version. A binary built
// without -ldflags (`go build ./cmd/farol`, `go install`) still names its
// commit: the go command stamps the revision into the build info.
func Get() Info {
	info := Info{Version: Version, Commit: Commit, Go: runtime.Version()}
	if info.Commit == "unknown" {
		if bi, ok := debug.ReadBuildInfo(); ok {
			info.Commit = revision(bi.Settings)
		}
	}
	return info
}

// revision reads vcs.revision and vcs.modified from the build settings, in
// the form `git rev-parse --short HEAD` and `--dirty` would give.
func revision(settings []debug.BuildSetting) string {
	rev, dirty := "", false
	for _, s := range settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "unknown"
	}
	if len(rev) > shortCommit {
		rev = rev[:shortCommit]
	}
	if dirty {
		rev += "-dirty"
	}
	return rev
}

// String is the line `farol version` prints, e.g.
// "farol v0.1.0 commit 03c0c3f go1.26.8".
func (i Info) String() string {
	return fmt.Sprintf("farol %s commit %s %s", i.Version, i.Commit, i.Go)
}
