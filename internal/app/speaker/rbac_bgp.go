package speaker

// Permissions of the BGP mode, read by controller-gen for the speaker's
// roles (make generate writes config/rbac/speaker/role.yaml); docs/rbac.md
// gives the reason for every rule.
//
// The speaker reads the peers and advertisements everywhere (they are
// cluster-scoped) and writes one BGPNodeStatus per node, named after the
// node. The TCP MD5 passwords come from Secrets that BGPPeer names by
// user-chosen names, so resourceNames cannot list them: the speaker reads
// Secrets in farol-system only (a Role, namespace=farol-system), never
// cluster-wide.

// +kubebuilder:rbac:groups=farol.dev,resources=bgppeers;bgpadvertisements,verbs=get;list;watch
// +kubebuilder:rbac:groups=farol.dev,resources=bgpnodestatuses,verbs=get;list;watch;create;update;patch
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch,namespace=farol-system
