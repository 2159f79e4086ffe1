package controller

import (
	"os"
	"path/filepath"
	"testing"
)

func TestLeaseNamespace(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := map[string]struct {
		file    string
		want    string
		wantErr bool
	}{
		"in a cluster":      {file: write("ns", "lb-system"), want: "lb-system"},
		"trailing newline":  {file: write("nl", "lb-system\n"), want: "lb-system"},
		"outside a cluster": {file: filepath.Join(dir, "absent"), want: DefaultLeaderElectionNamespace},
		"empty file":        {file: write("empty", " \n"), wantErr: true},
		"unreadable":        {file: dir, wantErr: true}, // a directory
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := leaseNamespace(tc.file)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error: %v", err, tc.wantErr)
			}
			if got != tc.want {
				t.Fatalf("namespace %q, want %q", got, tc.want)
			}
		})
	}
}
