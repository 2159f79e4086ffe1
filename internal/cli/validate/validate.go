package validate

import (
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
	"github.com/farol-lb/farol/internal/cli/manifest"
)

// Kinds are the Farol kinds a user writes and Check validates.
var Kinds = []string{"AddressPool", "L2Advertisement", "BGPPeer", "BGPAdvertisement"}

// written are the Farol kinds only Farol writes; `kubectl get -o yaml`
// output may hold them, and they are skipped like other groups' kinds.
var written = []string{"BGPNodeStatus"}

// object is one decoded Farol object and where it came from.
type object struct {
	doc manifest.Document
	obj any
	// ok is false when schema or decoding problems were found: the rules
	// of internal/config would only repeat them, so they are skipped for
	// this object (it still counts as context for the others).
	ok bool
}

// Check validates the Farol objects among docs; documents of other groups
// are skipped. Cross-object rules see the other objects of the input:
// every advertisement and peer, and for a pool's overlap the pools before
// it, the order in which `kubectl apply` would create them.
func Check(docs []manifest.Document) (Result, error) {
	sch, err := loadSchemas()
	if err != nil {
		return Result{}, err
	}
	var res Result
	var objs []object
	seen := map[string]string{}
	for _, d := range docs {
		if d.Group() != farolv1.GroupVersion.Group || slices.Contains(written, d.Kind) {
			continue
		}
		res.Objects++
		o, findings := read(sch, d, seen)
		res.Findings = append(res.Findings, findings...)
		if o.obj != nil {
			objs = append(objs, o)
		}
	}
	ctx := gather(objs)
	for _, o := range objs {
		if o.ok {
			res.Findings = append(res.Findings, rules(o, ctx)...)
		}
	}
	return res, nil
}

// read checks what one document says on its own: version, kind, name,
// schema, unknown fields. seen maps Kind/name to the file that defined it.
func read(sch schemas, d manifest.Document, seen map[string]string) (object, []Finding) {
	id := d.Kind + "/" + d.Name
	if d.Kind == "" || d.Name == "" {
		id = fmt.Sprintf("document %d", d.Index)
	}
	var out []Finding
	add := func(msg string) { out = append(out, Finding{File: d.File, Object: id, Message: msg}) }
	if d.Version() != farolv1.GroupVersion.Version {
		add(fmt.Sprintf("apiVersion: %s is not served; Farol serves %s", d.APIVersion, farolv1.GroupVersion))
		return object{}, out
	}
	var obj any
	var strict []string
	var err error
	switch d.Kind {
	case "AddressPool":
		obj, strict, err = decode[farolv1.AddressPool](d.JSON)
	case "L2Advertisement":
		obj, strict, err = decode[farolv1.L2Advertisement](d.JSON)
	case "BGPPeer":
		obj, strict, err = decode[farolv1.BGPPeer](d.JSON)
	case "BGPAdvertisement":
		obj, strict, err = decode[farolv1.BGPAdvertisement](d.JSON)
	default:
		add(fmt.Sprintf("kind: %q is not a kind Farol users write (%s)", d.Kind, strings.Join(Kinds, ", ")))
		return object{}, out
	}
	if d.Name == "" {
		add(field.Required(field.NewPath("metadata", "name"), "").Error())
	} else if msgs := validation.IsDNS1123Subdomain(d.Name); len(msgs) > 0 {
		add(field.Invalid(field.NewPath("metadata", "name"), d.Name, strings.Join(msgs, "; ")).Error())
	} else if prev, dup := seen[d.Kind+"/"+d.Name]; dup {
		add(fmt.Sprintf("metadata.name: %s %q is defined twice (also in %s)", d.Kind, d.Name, prev))
	} else {
		seen[d.Kind+"/"+d.Name] = d.File
	}
	schemaErrs := sch.check(d.Kind, d.JSON)
	for _, m := range schemaErrs {
		add(m)
	}
	for _, m := range strict {
		add(m)
	}
	if err != nil {
		// A value of the wrong type; the schema has named the field
		// unless the type is one it does not describe.
		if len(schemaErrs) == 0 {
			add(err.Error())
		}
		return object{}, out
	}
	return object{doc: d, obj: obj, ok: len(out) == 0}, out
}
