package cluster

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/utils/ptr"
)

// crdTimeout bounds the wait for CRDs to be served; it takes well under a
// second.
const crdTimeout = 30 * time.Second

// fieldManager owns what the harness applies, so re-installing updates CRDs
// in place.
const fieldManager = "farol-test-cluster"

// InstallCRDs server-side applies every CustomResourceDefinition found in the
// .yaml, .yml and .json files of dir (other kinds, such as a
// kustomization, are ignored) and waits until each is Established, its
// resources are in discovery (so that clients with a REST mapper can use them
// at once) and the server's one-off delays for a new CRD are over (see warm;
// up to about 2 s, none when re-installing). A directory without any CRD is
// an error: it is more likely a wrong path than an intent.
func (c *Cluster) InstallCRDs(ctx context.Context, dir string) error {
	crds, err := readCRDs(dir)
	if err != nil {
		return fmt.Errorf("install CRDs: %w", err)
	}
	cs, err := apiextensionsclient.NewForConfig(c.Config)
	if err != nil {
		return fmt.Errorf("install CRDs: %w", err)
	}
	for _, u := range crds {
		data, err := u.MarshalJSON()
		if err != nil {
			return fmt.Errorf("install CRD %s: %w", u.GetName(), err)
		}
		_, err = cs.ApiextensionsV1().CustomResourceDefinitions().Patch(ctx, u.GetName(), types.ApplyPatchType, data,
			metav1.PatchOptions{FieldManager: fieldManager, Force: ptr.To(true)})
		if err != nil {
			return fmt.Errorf("install CRD %s: %w", u.GetName(), err)
		}
	}
	dyn, err := dynamic.NewForConfig(c.Config)
	if err != nil {
		return fmt.Errorf("install CRDs: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, crdTimeout)
	defer cancel()
	for _, u := range crds {
		crd, err := waitServed(ctx, cs, u.GetName())
		if err == nil {
			err = warm(ctx, dyn, crd)
		}
		if err != nil {
			return fmt.Errorf("install CRD %s: %w", u.GetName(), err)
		}
	}
	return nil
}

// createGuard is how long the API server delays creates of a custom resource
// after its CRD became Established: apiextensions-apiserver's crdHandler
// sleeps 2 s in every create until then, a guard for HA servers.
const createGuard = 2 * time.Second

// warm takes the one-off delays of a new CRD here, once, instead of in the
// first test's timings: the first list of each version waits about a second
// for the new watch cache, and the first creates would wait out createGuard.
func warm(ctx context.Context, dyn dynamic.Interface, crd *apiextensionsv1.CustomResourceDefinition) error {
	for _, v := range crd.Spec.Versions {
		if !v.Served {
			continue
		}
		gvr := schema.GroupVersionResource{Group: crd.Spec.Group, Version: v.Name, Resource: crd.Spec.Names.Plural}
		if _, err := dyn.Resource(gvr).List(ctx, metav1.ListOptions{Limit: 1}); err != nil {
			return fmt.Errorf("first list: %w", err)
		}
	}
	for _, cond := range crd.Status.Conditions {
		if cond.Type != apiextensionsv1.Established {
			continue
		}
		// The server compares with the same clock; the stored time is cut to
		// whole seconds, which only makes the server's wait end earlier.
		select {
		case <-time.After(time.Until(cond.LastTransitionTime.Add(createGuard))):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// readCRDs decodes every CRD document in dir's manifest files, in file name
// order.
func readCRDs(dir string) ([]*unstructured.Unstructured, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var crds []*unstructured.Unstructured
	for _, e := range entries {
		if e.IsDir() || !slices.Contains([]string{".yaml", ".yml", ".json"}, filepath.Ext(e.Name())) {
			continue
		}
		docs, err := readDocs(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		for _, u := range docs {
			if u.GroupVersionKind() == apiextensionsv1.SchemeGroupVersion.WithKind("CustomResourceDefinition") {
				crds = append(crds, u)
			}
		}
	}
	if len(crds) == 0 {
		return nil, fmt.Errorf("no CustomResourceDefinition in %s", dir)
	}
	return crds, nil
}

// readDocs decodes each YAML document (or JSON object) of a file.
func readDocs(path string) ([]*unstructured.Unstructured, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	docs, err := decodeDocs(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return docs, nil
}

// waitServed waits until the CRD is Established and every served version's
// resource is listed by discovery: Established alone can come a moment before
// discovery shows the resource.
func waitServed(ctx context.Context, cs apiextensionsclient.Interface, name string) (*apiextensionsv1.CustomResourceDefinition, error) {
	dc := cs.Discovery()
	var crd *apiextensionsv1.CustomResourceDefinition
	var last error
	err := wait.PollUntilContextCancel(ctx, 100*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		crd, last = cs.ApiextensionsV1().CustomResourceDefinitions().Get(ctx, name, metav1.GetOptions{})
		if last == nil {
			last = served(dc, crd)
		}
		return last == nil, nil
	})
	if err != nil {
		return nil, fmt.Errorf("not served: %w (last check: %w)", err, last)
	}
	return crd, nil
}

func served(dc discovery.DiscoveryInterface, crd *apiextensionsv1.CustomResourceDefinition) error {
	for _, cond := range crd.Status.Conditions {
		if cond.Type == apiextensionsv1.NamesAccepted && cond.Status != apiextensionsv1.ConditionTrue {
			return fmt.Errorf("names not accepted: %s", cond.Message)
		}
	}
	established := slices.ContainsFunc(crd.Status.Conditions, func(c apiextensionsv1.CustomResourceDefinitionCondition) bool {
		return c.Type == apiextensionsv1.Established && c.Status == apiextensionsv1.ConditionTrue
	})
	if !established {
		return errors.New("not established")
	}
	for _, v := range crd.Spec.Versions {
		if !v.Served {
			continue
		}
		gv := crd.Spec.Group + "/" + v.Name
		list, err := dc.ServerResourcesForGroupVersion(gv)
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(list.APIResources, func(r metav1.APIResource) bool { return r.Name == crd.Spec.Names.Plural }) {
			return fmt.Errorf("%s not in discovery of %s", crd.Spec.Names.Plural, gv)
		}
	}
	return nil
}
