package version

import (
	"runtime/debug"
	"testing"
)

func TestRevision(t *testing.T) {
	tests := map[string]struct {
		settings []debug.BuildSetting
		want     string
	}{
		"no vcs stamp": {nil, "unknown"},
		"clean": {[]debug.BuildSetting{
			{Key: "vcs.revision", Value: "03c0c3f0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6"},
			{Key: "vcs.modified", Value: "false"},
		}, "03c0c3f"},
		"dirty": {[]debug.BuildSetting{
			{Key: "vcs.revision", Value: "03c0c3f0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6"},
			{Key: "vcs.modified", Value: "true"},
		}, "03c0c3f-dirty"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := revision(tc.settings); got != tc.want {
				t.Errorf("revision = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestString(t *testing.T) {
	got := Info{Version: "v0.1.0", Commit: "03c0c3f", Go: "go1.26.8"}.String()
	if want := "farol v0.1.0 commit 03c0c3f go1.26.8"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}
