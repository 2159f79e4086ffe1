package integration

import (
	"testing"

	authorizationv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/farol-lb/farol/test/cluster"
)

// access is one permission question for a ServiceAccount in farol-system,
// asked of the API server's authorizer (a SubjectAccessReview, what
// `kubectl auth can-i --as` asks), and the answer least privilege needs.
type access struct {
	sa                string // farol-controller or farol-speaker
	verb              string
	group, resource   string
	subresource, name string
	namespace         string // "" asks cluster-wide
	allowed           bool
}

// leastPrivilege is the table of permission questions for an install
// whose speaker reads the gossip key from memberlistSecret. Allowed rows
// prove the bindings work (a denial alone would also pass for a
// ServiceAccount that has no roles at all).
//
// RBAC cannot tell a patch of a Service's annotations from one of its
// spec: the speaker needs patch on services to write its
// farol.dev/announcing-ipv4 and -ipv6 annotations, so "cannot write a Service's spec" is checked as far as RBAC
// goes (no update, create, delete, no status).
func leastPrivilege(memberlistSecret string, speaker bool) map[string]access {
	const ctl, spk, ns = "farol-controller", "farol-speaker", installNamespace
	rows := map[string]access{
		"controller writes Service status":            {sa: ctl, verb: "update", resource: "services", subresource: "status", namespace: "default", allowed: true},
		"controller cannot update Services":           {sa: ctl, verb: "update", resource: "services", namespace: "default"},
		"controller cannot patch Services":            {sa: ctl, verb: "patch", resource: "services", namespace: "default"},
		"controller cannot update Nodes":              {sa: ctl, verb: "update", resource: "nodes"},
		"controller cannot patch Nodes":               {sa: ctl, verb: "patch", resource: "nodes"},
		"controller cannot patch Node status":         {sa: ctl, verb: "patch", resource: "nodes", subresource: "status"},
		"controller cannot create EndpointSlices":     {sa: ctl, verb: "create", group: "discovery.k8s.io", resource: "endpointslices", namespace: "default"},
		"controller cannot update EndpointSlices":     {sa: ctl, verb: "update", group: "discovery.k8s.io", resource: "endpointslices", namespace: "default"},
		"controller cannot delete EndpointSlices":     {sa: ctl, verb: "delete", group: "discovery.k8s.io", resource: "endpointslices", namespace: "default"},
		"controller creates its Secrets":              {sa: ctl, verb: "create", resource: "secrets", namespace: ns, allowed: true},
		"controller updates its Secrets":              {sa: ctl, verb: "update", resource: "secrets", namespace: ns, name: "farol-webhook-cert", allowed: true},
		"controller cannot create Secrets elsewhere":  {sa: ctl, verb: "create", resource: "secrets", namespace: "default"},
		"controller cannot update Secrets elsewhere":  {sa: ctl, verb: "update", resource: "secrets", namespace: "kube-system", name: "x"},
		"controller cannot get Secrets elsewhere":     {sa: ctl, verb: "get", resource: "secrets", namespace: "default", name: "x"},
		"controller cannot list Secrets cluster-wide": {sa: ctl, verb: "list", resource: "secrets"},
		"controller cannot get Secrets cluster-wide":  {sa: ctl, verb: "get", resource: "secrets"},
		"controller takes its leader Lease":           {sa: ctl, verb: "update", group: "coordination.k8s.io", resource: "leases", namespace: ns, name: "farol-controller", allowed: true},
		"controller cannot take other Leases":         {sa: ctl, verb: "update", group: "coordination.k8s.io", resource: "leases", namespace: "kube-system", name: "kube-controller-manager"},
		"controller injects its CA bundle":            {sa: ctl, verb: "patch", group: "admissionregistration.k8s.io", resource: "validatingwebhookconfigurations", name: "farol-validating", allowed: true},
		"controller cannot patch other webhooks":      {sa: ctl, verb: "patch", group: "admissionregistration.k8s.io", resource: "validatingwebhookconfigurations", name: "other"},
		"controller cannot create webhooks":           {sa: ctl, verb: "create", group: "admissionregistration.k8s.io", resource: "validatingwebhookconfigurations"},
		"controller cannot update AddressPool spec":   {sa: ctl, verb: "update", group: "farol.dev", resource: "addresspools", name: "p"},
		"controller writes AddressPool status":        {sa: ctl, verb: "update", group: "farol.dev", resource: "addresspools", subresource: "status", name: "p", allowed: true},
	}
	if !speaker {
		rows["no speaker ServiceAccount is bound"] = access{sa: spk, verb: "list", resource: "nodes"}
		return rows
	}
	for k, v := range map[string]access{
		"speaker reads Nodes":                       {sa: spk, verb: "list", resource: "nodes", allowed: true},
		"speaker cannot patch Nodes":                {sa: spk, verb: "patch", resource: "nodes"},
		"speaker patches Services (annotations)":    {sa: spk, verb: "patch", resource: "services", namespace: "default", allowed: true},
		"speaker cannot update Services":            {sa: spk, verb: "update", resource: "services", namespace: "default"},
		"speaker cannot create Services":            {sa: spk, verb: "create", resource: "services", namespace: "default"},
		"speaker cannot delete Services":            {sa: spk, verb: "delete", resource: "services", namespace: "default"},
		"speaker cannot patch Service status":       {sa: spk, verb: "patch", resource: "services", subresource: "status", namespace: "default"},
		"speaker cannot create AddressPools":        {sa: spk, verb: "create", group: "farol.dev", resource: "addresspools"},
		"speaker cannot update AddressPools":        {sa: spk, verb: "update", group: "farol.dev", resource: "addresspools", name: "p"},
		"speaker cannot patch AddressPools":         {sa: spk, verb: "patch", group: "farol.dev", resource: "addresspools", name: "p"},
		"speaker cannot delete AddressPools":        {sa: spk, verb: "delete", group: "farol.dev", resource: "addresspools", name: "p"},
		"speaker cannot patch AddressPool status":   {sa: spk, verb: "patch", group: "farol.dev", resource: "addresspools", subresource: "status", name: "p"},
		"speaker cannot update L2Advertisements":    {sa: spk, verb: "update", group: "farol.dev", resource: "l2advertisements", name: "a"},
		"speaker cannot create L2Advertisements":    {sa: spk, verb: "create", group: "farol.dev", resource: "l2advertisements"},
		"speaker reads the gossip key":              {sa: spk, verb: "get", resource: "secrets", namespace: ns, name: memberlistSecret, allowed: true},
		"speaker cannot write Secrets there":        {sa: spk, verb: "create", resource: "secrets", namespace: ns},
		"speaker cannot get other Secrets there":    {sa: spk, verb: "get", resource: "secrets", namespace: ns, name: "farol-webhook-cert"},
		"speaker cannot list Secrets there":         {sa: spk, verb: "list", resource: "secrets", namespace: ns},
		"speaker cannot list Secrets elsewhere":     {sa: spk, verb: "list", resource: "secrets", namespace: "default"},
		"speaker lists the password copy":           {sa: spk, verb: "list", resource: "secrets", namespace: ns, name: "farol-bgp-passwords", allowed: true},
		"speaker watches the password copy":         {sa: spk, verb: "watch", resource: "secrets", namespace: ns, name: "farol-bgp-passwords", allowed: true},
		"speaker cannot watch Secrets there":        {sa: spk, verb: "watch", resource: "secrets", namespace: ns},
		"speaker cannot watch Secrets cluster-wide": {sa: spk, verb: "watch", resource: "secrets"},
		"speaker cannot list other Secrets by name": {sa: spk, verb: "list", resource: "secrets", namespace: ns, name: "farol-webhook-cert"},
		"speaker reads BGP peers":                   {sa: spk, verb: "watch", group: "farol.dev", resource: "bgppeers", allowed: true},
		"speaker reads BGP advertisements":          {sa: spk, verb: "list", group: "farol.dev", resource: "bgpadvertisements", allowed: true},
		"speaker cannot update BGP peers":           {sa: spk, verb: "update", group: "farol.dev", resource: "bgppeers", name: "tor"},
		"speaker cannot patch BGPAdvertisements":    {sa: spk, verb: "patch", group: "farol.dev", resource: "bgpadvertisements", name: "a"},
		"speaker writes its BGPNodeStatus":          {sa: spk, verb: "update", group: "farol.dev", resource: "bgpnodestatuses", name: "node-1", allowed: true},
		"speaker creates its BGPNodeStatus":         {sa: spk, verb: "create", group: "farol.dev", resource: "bgpnodestatuses", allowed: true},
		"speaker cannot delete BGPNodeStatuses":     {sa: spk, verb: "delete", group: "farol.dev", resource: "bgpnodestatuses", name: "node-1"},
		"speaker cannot write the gossip key":       {sa: spk, verb: "update", resource: "secrets", namespace: ns, name: memberlistSecret},
		"speaker cannot get Secrets elsewhere":      {sa: spk, verb: "get", resource: "secrets", namespace: "default", name: memberlistSecret},
		"speaker cannot get Secrets cluster-wide":   {sa: spk, verb: "get", resource: "secrets"},
		"speaker cannot list Secrets cluster-wide":  {sa: spk, verb: "list", resource: "secrets"},
		"speaker cannot write Leases":               {sa: spk, verb: "create", group: "coordination.k8s.io", resource: "leases", namespace: ns},
		"speaker cannot write EndpointSlices":       {sa: spk, verb: "update", group: "discovery.k8s.io", resource: "endpointslices", namespace: "default"},
		"speaker records events on Services":        {sa: spk, verb: "create", group: "events.k8s.io", resource: "events", namespace: "default", allowed: true},
		"speaker cannot patch the webhook":          {sa: spk, verb: "patch", group: "admissionregistration.k8s.io", resource: "validatingwebhookconfigurations", name: "farol-validating"},
	} {
		rows[k] = v
	}
	return rows
}

// checkAccess asks every question of the cluster as the ServiceAccount.
func checkAccess(t *testing.T, c *cluster.Cluster, rows map[string]access) {
	t.Helper()
	cs, err := kubernetes.NewForConfig(c.Config)
	if err != nil {
		t.Fatal(err)
	}
	for name, r := range rows {
		t.Run(name, func(t *testing.T) {
			sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
				User:   "system:serviceaccount:" + installNamespace + ":" + r.sa,
				Groups: []string{"system:serviceaccounts", "system:serviceaccounts:" + installNamespace, "system:authenticated"},
				ResourceAttributes: &authorizationv1.ResourceAttributes{
					Namespace: r.namespace, Verb: r.verb, Group: r.group, Resource: r.resource,
					Subresource: r.subresource, Name: r.name,
				},
			}}
			got, err := cs.AuthorizationV1().SubjectAccessReviews().Create(t.Context(), sar, metav1.CreateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if got.Status.Allowed != r.allowed {
				t.Errorf("%s %s %s: allowed=%v, want %v (%s)", r.sa, r.verb, describe(r), got.Status.Allowed, r.allowed, got.Status.Reason)
			}
		})
	}
}

func describe(r access) string {
	s := r.resource
	if r.group != "" {
		s += "." + r.group
	}
	if r.subresource != "" {
		s += "/" + r.subresource
	}
	if r.name != "" {
		s += " " + r.name
	}
	if r.namespace == "" {
		return s + " (cluster-wide)"
	}
	return s + " in " + r.namespace
}
