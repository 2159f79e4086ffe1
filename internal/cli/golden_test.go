package cli

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

var update = flag.Bool("update", false, "rewrite the stdout, stderr and exit sections of the golden CLI cases")

// TestGolden runs each testdata/*/*.txtar in-process: the archive's
// comment is the command line, its other files are written to a temporary
// directory the command runs in ("stdin" is its standard input; the
// file "cluster" names the file of testdata/clusters whose objects make
// the cluster status and explain read, through a fake client), and the sections stdout, stderr and exit are what it
// must print and return. `go test ./internal/cli -run Golden -update` rewrites them;
// review the diff, it is what users see.
//
// Every import case is also validated: what the importer writes must pass
// `kubectl farol validate` without an error.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*", "*.txtar"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden cases: %v", err)
	}
	for _, file := range files {
		file, _ = filepath.Abs(file)
		name := filepath.Base(filepath.Dir(file)) + "/" + strings.TrimSuffix(filepath.Base(file), ".txtar")
		t.Run(name, func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			args := strings.Fields(string(ar.Comment))
			dir := t.TempDir()
			var stdin []byte
			var cluster client.Reader
			want := map[string]string{}
			for _, f := range ar.Files {
				switch f.Name {
				case "stdout", "stderr", "exit":
					want[f.Name] = string(f.Data)
					continue
				case "stdin":
					stdin = f.Data
					continue
				case "cluster":
					data, err := os.ReadFile(filepath.Join("testdata", "clusters", strings.TrimSpace(string(f.Data))))
					if err != nil {
						t.Fatal(err)
					}
					cluster = fakeCluster(t, data)
					continue
				}
				path := filepath.Join(dir, f.Name)
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, f.Data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			t.Chdir(dir)
			got := runIn(cluster, args, stdin)
			if len(args) > 0 && args[0] == "import" && got["exit"] == "0\n" {
				roundTrip(t, got["stdout"])
			}
			if *update {
				writeWant(t, file, ar, got)
				return
			}
			for _, k := range []string{"stdout", "stderr", "exit"} {
				if got[k] != want[k] {
					t.Errorf("%s: %s differs\n--- got\n%s--- want\n%s", file, k, got[k], want[k])
				}
			}
		})
	}
}

// run runs the command line in-process and returns its stdout, stderr and
// exit status as the sections of a case.
func run(args []string, stdin []byte) map[string]string { return runIn(nil, args, stdin) }

// runIn is run against cluster (nil: the kubeconfig's).
func runIn(cluster client.Reader, args []string, stdin []byte) map[string]string {
	var out, errOut bytes.Buffer
	s := Streams{In: bytes.NewReader(stdin), Out: &out, Err: &errOut}
	code := runRoot(newRoot(s, cluster), args, s)
	return map[string]string{"stdout": out.String(), "stderr": errOut.String(), "exit": strconv.Itoa(code) + "\n"}
}

// roundTrip validates what an import wrote.
func roundTrip(t *testing.T, objects string) {
	t.Helper()
	got := run([]string{"validate", "-f", "-"}, []byte(objects))
	if got["exit"] != "0\n" {
		t.Errorf("the imported objects do not validate:\n%s%s", got["stdout"], got["stderr"])
	}
}

// writeWant replaces the stdout, stderr and exit sections of a case.
func writeWant(t *testing.T, file string, ar *txtar.Archive, got map[string]string) {
	t.Helper()
	var files []txtar.File
	for _, f := range ar.Files {
		if _, ok := got[f.Name]; !ok {
			files = append(files, f)
		}
	}
	for _, k := range []string{"stdout", "stderr", "exit"} {
		files = append(files, txtar.File{Name: k, Data: []byte(got[k])})
	}
	ar.Files = files
	if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
		t.Fatal(err)
	}
}
