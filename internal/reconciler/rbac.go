package reconciler

// Permissions of the controller's parts that are not reconcilers, kept here
// because controller-gen reads this package for the controller's roles
// (make generate writes config/rbac/controller/role.yaml). docs/rbac.md
// gives the reason for every rule.
//
// What is needed only in the controller's own namespace is granted there
// alone (namespace=farol-system makes a Role, not a ClusterRole rule), so
// the controller can write no Lease and read no Secret elsewhere:
//   - leader election: the Lease, and the core Events it records on it;
//   - the Secrets the controller creates and keeps: the gossip key
//     farol-memberlist and the webhook serving certificate
//     farol-webhook-cert.
//
// The webhook server injects its CA bundle into its own
// ValidatingWebhookConfiguration: it may read webhook configurations, but
// write only farol-validating.

// +kubebuilder:rbac:groups=coordination.k8s.io,resources=leases,verbs=get;list;watch;create;update;patch,namespace=farol-system
// +kubebuilder:rbac:groups="",resources=events,verbs=create;patch,namespace=farol-system
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch;create;update;patch,namespace=farol-system
// +kubebuilder:rbac:groups=admissionregistration.k8s.io,resources=validatingwebhookconfigurations,verbs=get;list;watch
// +kubebuilder:rbac:groups=admissionregistration.k8s.io,resources=validatingwebhookconfigurations,verbs=update;patch,resourceNames=farol-validating
