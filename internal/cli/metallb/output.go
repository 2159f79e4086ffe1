package metallb

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"sigs.k8s.io/yaml"
)

// kindOrder is the order of the output: what others refer to first, so
// that `kubectl apply -f` creates Secrets before the peers that name them
// and pools before the advertisements that select them.
var kindOrder = []string{"Secret", "AddressPool", "L2Advertisement", "BGPPeer", "BGPAdvertisement"}

// Object is one Farol object (or Secret) the importer wrote.
type Object struct {
	Kind, Name string
	Obj        any
}

// Result is what an import produced.
type Result struct {
	// Objects in output order: by kind (kindOrder), then by name.
	Objects []Object
	// Notes in the order the input was read.
	Notes []Note
}

// output collects the objects written and where each came from.
type output struct {
	objs []Object
	from map[string]source
}

// emit adds an object; a second object of one kind and name is noted and
// dropped: MetalLB's objects are namespaced and Farol's are not, so two
// namespaces may collide.
func (im *importer) emit(src source, kind, name string, obj any) {
	key := kind + "/" + name
	if prev, dup := im.out.from[key]; dup {
		im.note(src, "metadata.name", "a %s named %q was already written from %s (Farol's objects are cluster-scoped); not converted", kind, name, prev)
		return
	}
	if im.out.from == nil {
		im.out.from = map[string]source{}
	}
	im.out.from[key] = src
	im.out.objs = append(im.out.objs, Object{Kind: kind, Name: name, Obj: obj})
}

func (o output) sorted() []Object {
	out := slices.Clone(o.objs)
	slices.SortStableFunc(out, func(a, b Object) int {
		if d := slices.Index(kindOrder, a.Kind) - slices.Index(kindOrder, b.Kind); d != 0 {
			return d
		}
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	return out
}

// WriteYAML writes the objects as one multi-document YAML stream, without
// the empty status and creation time a typed object would carry.
func (r Result) WriteYAML(w io.Writer) error {
	for i, o := range r.Objects {
		js, err := json.Marshal(o.Obj)
		if err != nil {
			return fmt.Errorf("write %s/%s: %w", o.Kind, o.Name, err)
		}
		var m map[string]any
		if err := json.Unmarshal(js, &m); err != nil {
			return fmt.Errorf("write %s/%s: %w", o.Kind, o.Name, err)
		}
		delete(m, "status")
		if md, ok := m["metadata"].(map[string]any); ok {
			delete(md, "creationTimestamp")
		}
		if spec, ok := m["spec"].(map[string]any); ok && len(spec) == 0 {
			delete(m, "spec")
		}
		y, err := yaml.Marshal(m)
		if err != nil {
			return fmt.Errorf("write %s/%s: %w", o.Kind, o.Name, err)
		}
		if i > 0 {
			if _, err := io.WriteString(w, "---\n"); err != nil {
				return fmt.Errorf("write: %w", err)
			}
		}
		if _, err := w.Write(y); err != nil {
			return fmt.Errorf("write: %w", err)
		}
	}
	return nil
}
