package metallb

import (
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/json"

	"github.com/farol-lb/farol/internal/cli/manifest"
)

// ErrNothing is returned when the input holds no MetalLB configuration.
var ErrNothing = errors.New("no MetalLB configuration found (a ConfigMap with a `config` key, or metallb.io objects)")

// Group is MetalLB's API group.
const Group = "metallb.io"

// item is one MetalLB object, in CRD shape, and where it came from.
type item[T any] struct {
	src source
	obj T
}

// importer holds the MetalLB objects of the input and what has been
// written and noted so far.
type importer struct {
	pools  []item[ipAddressPool]
	l2     []item[l2Advertisement]
	bgpAds []item[bgpAdvertisement]
	peers  []item[bgpPeer]
	bfds   []item[bfdProfile]
	// communities maps an alias to its value, from Community objects and
	// the legacy bgp-communities.
	communities map[string]string
	// secrets are the Secrets of the input, by namespace/name, for peers
	// whose password is in one.
	secrets map[string]corev1.Secret

	out   output
	notes []Note
}

// Import converts the MetalLB configuration among docs. Documents that are
// neither MetalLB objects, a ConfigMap with a `config` key, nor Secrets
// are skipped.
func Import(docs []manifest.Document) (Result, error) {
	im := &importer{communities: map[string]string{}, secrets: map[string]corev1.Secret{}}
	found := false
	for _, d := range docs {
		ok, err := im.read(d)
		if err != nil {
			return Result{}, err
		}
		found = found || ok
	}
	if !found {
		return Result{}, ErrNothing
	}
	im.convert()
	return Result{Objects: im.out.sorted(), Notes: im.notes}, nil
}

// read files one document under its kind; true for MetalLB configuration.
func (im *importer) read(d manifest.Document) (bool, error) {
	src := source{file: d.File, kind: d.Kind, namespace: d.Namespace, name: d.Name}
	switch {
	case d.APIVersion == "v1" && d.Kind == "ConfigMap":
		return im.readLegacy(src, d.JSON)
	case d.APIVersion == "v1" && d.Kind == "Secret":
		var s corev1.Secret
		if err := json.UnmarshalCaseSensitivePreserveInts(d.JSON, &s); err != nil {
			return false, fmt.Errorf("%s: %w", src, err)
		}
		im.secrets[s.Namespace+"/"+s.Name] = s
		return false, nil
	case d.Group() != Group:
		return false, nil
	}
	if v := d.Version(); v != "v1beta1" && v != "v1beta2" {
		im.note(src, "apiVersion", "%s is not a version the importer knows; read as v1beta2", d.APIVersion)
	}
	var err error
	switch d.Kind {
	case "IPAddressPool":
		im.pools, err = add(im, im.pools, src, d.JSON)
	case "L2Advertisement":
		im.l2, err = add(im, im.l2, src, d.JSON)
	case "BGPAdvertisement":
		im.bgpAds, err = add(im, im.bgpAds, src, d.JSON)
	case "BGPPeer":
		im.peers, err = add(im, im.peers, src, d.JSON)
	case "BFDProfile":
		im.bfds, err = add(im, im.bfds, src, d.JSON)
	case "Community":
		var c []item[community]
		if c, err = add[community](im, nil, src, d.JSON); err == nil {
			for _, a := range c[0].obj.Spec.Communities {
				im.communities[a.Name] = a.Value
			}
		}
	default:
		im.note(src, "", "kind %s has no Farol equivalent; not converted", d.Kind)
	}
	return true, err
}

// add decodes one object strictly, noting each field the importer does
// not know, and appends it.
func add[T any](im *importer, list []item[T], src source, js []byte) ([]item[T], error) {
	var obj T
	strict, err := json.UnmarshalStrict(js, &obj, json.DisallowUnknownFields)
	if err != nil {
		return list, fmt.Errorf("%s: %w", src, err)
	}
	for _, e := range strict {
		im.note(src, "", "%s; not converted", manifest.FieldFirst(e.Error()))
	}
	return append(list, item[T]{src: src, obj: obj}), nil
}

// convert writes the Farol objects: pools first, since advertisements
// resolve pool selectors against them, then peers, since BGP
// advertisements look at their ASNs.
func (im *importer) convert() {
	im.convertPools()
	for _, a := range im.l2 {
		im.convertL2(a)
	}
	used := map[string]bool{}
	for _, p := range im.peers {
		im.convertPeer(p, used)
	}
	for _, b := range im.bfds {
		if !used[b.src.namespace+"/"+b.obj.Metadata.Name] {
			im.note(b.src, "", "not referenced by any BGPPeer; Farol has no BFD profile object (a BGPPeer carries its BFD timers), so nothing is written")
		}
	}
	for _, a := range im.bgpAds {
		im.convertBGPAdvertisement(a)
	}
}
