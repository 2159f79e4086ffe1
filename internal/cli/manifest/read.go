package manifest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// Stdin is the name "-" is reported under.
const Stdin = "<stdin>"

// Document is one object of the input.
type Document struct {
	// File is the path given or found ("<stdin>" for "-"); Index counts
	// the objects of the file from 1.
	File  string
	Index int
	// APIVersion, Kind and Name are read from the object; any may be empty
	// when the document lacks them.
	APIVersion string
	Kind       string
	Name       string
	Namespace  string
	// JSON is the object, converted from YAML when needed.
	JSON []byte
}

// Group is the API group of the document's apiVersion ("" for the core
// group).
func (d Document) Group() string {
	g, _, ok := strings.Cut(d.APIVersion, "/")
	if !ok {
		return ""
	}
	return g
}

// Version is the version of the document's apiVersion.
func (d Document) Version() string {
	_, v, ok := strings.Cut(d.APIVersion, "/")
	if !ok {
		return d.APIVersion
	}
	return v
}

// Problem is a document that could not be read at all: bad YAML, not an
// object.
type Problem struct {
	File  string
	Index int
	Err   error
}

func (p Problem) String() string {
	if p.Index == 0 {
		return fmt.Sprintf("%s: %v", p.File, p.Err)
	}
	return fmt.Sprintf("%s: document %d: %v", p.File, p.Index, p.Err)
}

// Read reads every path in order: "-" is stdin, a directory is walked in
// lexical order for *.yaml, *.yml and *.json files. A path that cannot be
// opened is an error; a document that cannot be parsed is a Problem, and
// reading goes on.
func Read(paths []string, stdin io.Reader) ([]Document, []Problem, error) {
	var docs []Document
	var problems []Problem
	for _, p := range paths {
		files, err := expand(p)
		if err != nil {
			return nil, nil, err
		}
		for _, f := range files {
			var data []byte
			if f == "-" {
				data, err = io.ReadAll(stdin)
				f = Stdin
			} else {
				data, err = os.ReadFile(f)
			}
			if err != nil {
				return nil, nil, fmt.Errorf("read %s: %w", f, err)
			}
			d, pr := split(f, data)
			docs, problems = append(docs, d...), append(problems, pr...)
		}
	}
	return docs, problems, nil
}

// expand turns a path into the files to read.
func expand(p string) ([]string, error) {
	if p == "-" {
		return []string{p}, nil
	}
	st, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	if !st.IsDir() {
		return []string{p}, nil
	}
	var files []string
	err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && slices.Contains([]string{".yaml", ".yml", ".json"}, filepath.Ext(path)) {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	return files, nil
}

// split cuts a file into its objects, expanding lists.
func split(file string, data []byte) ([]Document, []Problem) {
	var docs []Document
	var problems []Problem
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	for n := 1; ; n++ {
		raw, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			problems = append(problems, Problem{File: file, Index: n, Err: err})
			break
		}
		if len(bytes.TrimSpace(raw)) == 0 || isComment(raw) {
			n--
			continue
		}
		js, err := yaml.YAMLToJSON(raw)
		if err != nil {
			problems = append(problems, Problem{File: file, Index: n, Err: err})
			continue
		}
		d, err := document(file, n, js)
		if err != nil {
			problems = append(problems, Problem{File: file, Index: n, Err: err})
			continue
		}
		if !strings.HasSuffix(d.Kind, "List") || d.APIVersion != "v1" {
			docs = append(docs, d)
			continue
		}
		var list struct {
			Items []json.RawMessage `json:"items"`
		}
		if err := json.Unmarshal(js, &list); err != nil {
			problems = append(problems, Problem{File: file, Index: n, Err: err})
			continue
		}
		for _, it := range list.Items {
			d, err := document(file, n, it)
			if err != nil {
				problems = append(problems, Problem{File: file, Index: n, Err: err})
				continue
			}
			docs = append(docs, d)
		}
	}
	return docs, problems
}

// isComment reports whether a document holds only comments.
func isComment(raw []byte) bool {
	for l := range strings.Lines(string(raw)) {
		if t := strings.TrimSpace(l); t != "" && !strings.HasPrefix(t, "#") {
			return false
		}
	}
	return true
}

func document(file string, n int, js []byte) (Document, error) {
	var head struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Name      string `json:"name"`
			Namespace string `json:"namespace"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(js, &head); err != nil {
		return Document{}, fmt.Errorf("not a Kubernetes object: %w", err)
	}
	return Document{File: file, Index: n, APIVersion: head.APIVersion, Kind: head.Kind,
		Name: head.Metadata.Name, Namespace: head.Metadata.Namespace, JSON: js}, nil
}
