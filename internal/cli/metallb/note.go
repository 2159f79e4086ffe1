package metallb

import (
	"fmt"
	"strings"
)

// Note is one MetalLB field the importer could not convert, or converted
// with a change of meaning the user must know about.
type Note struct {
	// Origin is where the field was read: "file: Kind/namespace/name", and
	// for the legacy ConfigMap the entry within it.
	Origin string
	// Field is the field in MetalLB's terms; empty for the whole object.
	Field string
	Why   string
}

func (n Note) String() string {
	if n.Field == "" {
		return n.Origin + ": " + n.Why
	}
	return n.Origin + ": " + n.Field + ": " + n.Why
}

// source identifies the MetalLB object a Farol object is made from.
type source struct {
	file, kind, namespace, name string
	// entry is set for objects read from the legacy ConfigMap: the place
	// in its `config` key ("peers[0]"); kind and name are then the
	// ConfigMap's.
	entry string
}

func (s source) String() string {
	id := s.kind + "/" + s.name
	if s.namespace != "" {
		id = s.kind + "/" + s.namespace + "/" + s.name
	}
	if s.entry != "" {
		return fmt.Sprintf("%s: %s: %s", s.file, id, s.entry)
	}
	return s.file + ": " + id
}

// legacyKeys names the CRD fields by their legacy ConfigMap keys, so that
// a note on an object read from the ConfigMap names what the user wrote.
var legacyKeys = map[string]string{
	"spec.addresses":           "addresses",
	"spec.nodeSelectors":       "node-selectors",
	"spec.bfdProfile":          "bfd-profile",
	"spec.password":            "password",
	"spec.holdTime":            "hold-time",
	"spec.keepaliveTime":       "keepalive-time",
	"spec.ebgpMultiHop":        "ebgp-multihop",
	"spec.localPref":           "localpref",
	"spec.communities":         "communities",
	"spec.aggregationLength":   "aggregation-length",
	"spec.aggregationLengthV6": "aggregation-length-v6",
	"spec.echoMode":            "echo-mode",
	"spec.echoInterval":        "echo-interval",
	"spec.passiveMode":         "passive-mode",
	"spec.minimumTtl":          "minimum-ttl",
}

// note records a note on a field of s, given in the CRD's terms.
func (im *importer) note(s source, field, format string, args ...any) {
	if s.entry != "" && field != "" {
		head, rest, _ := strings.Cut(field, "[")
		if k, ok := legacyKeys[head]; ok {
			field = k
			if rest != "" {
				field += "[" + rest
			}
		}
	}
	im.notes = append(im.notes, Note{Origin: s.String(), Field: field, Why: fmt.Sprintf(format, args...)})
}
