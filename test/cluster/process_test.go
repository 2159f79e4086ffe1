package cluster

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/farol-lb/farol/test/internal/nsthread"
)

func TestPrefixWriter(t *testing.T) {
	tests := map[string]struct {
		writes []string
		want   string
	}{
		"whole lines":       {writes: []string{"a\nb\n"}, want: "x: a\nx: b\n"},
		"split line":        {writes: []string{"ab", "c\nd", "\n"}, want: "x: abc\nx: d\n"},
		"partial held back": {writes: []string{"a\nb"}, want: "x: a\n"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			w := &prefixWriter{mu: &sync.Mutex{}, w: &buf, prefix: []byte("x: ")}
			for _, s := range tc.writes {
				if n, err := w.Write([]byte(s)); n != len(s) || err != nil {
					t.Fatalf("Write(%q) = %d, %v", s, n, err)
				}
			}
			if buf.String() != tc.want {
				t.Errorf("got %q, want %q", buf.String(), tc.want)
			}
		})
	}
}

func TestTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	var b strings.Builder
	for i := range 5000 {
		b.WriteString(strings.Repeat("x", i%7) + "line\n")
	}
	b.WriteString("last\n")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	got := strings.Split(nsthread.Tail(path), "\n")
	if len(got) != 25 || got[len(got)-1] != "last" {
		t.Errorf("tail: %d lines ending %q, want 25 ending \"last\"", len(got), got[len(got)-1])
	}
}
