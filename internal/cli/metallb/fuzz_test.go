package metallb

import (
	"bytes"
	"path/filepath"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/farol-lb/farol/internal/cli/manifest"
)

// FuzzImport feeds arbitrary files to the reader and the importer, seeded
// with the inputs of the golden cases: neither may panic, and the output
// must be writable.
func FuzzImport(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "import", "*.txtar"))
	for _, file := range files {
		ar, err := txtar.ParseFile(file)
		if err != nil {
			f.Fatal(err)
		}
		for _, in := range ar.Files {
			if in.Name != "stdout" && in.Name != "stderr" && in.Name != "exit" {
				f.Add(in.Data)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		docs, _, err := manifest.Read([]string{"-"}, bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		res, err := Import(docs)
		if err != nil {
			return
		}
		if err := res.WriteYAML(&bytes.Buffer{}); err != nil {
			t.Fatal(err)
		}
	})
}
