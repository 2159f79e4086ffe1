package speaker

// Permissions of the BGP mode, read by controller-gen for the speaker's
// roles (make generate writes config/rbac/speaker/role.yaml); docs/rbac.md
// gives the reason for every rule.
//
// The speaker reads the peers and advertisements everywhere (they are
// cluster-scoped) and writes one BGPNodeStatus per node, named after the
// node. BGPPeer's TCP MD5 passwords live in Secrets with names the user
// picks, which resourceNames cannot list, and a rule for every Secret in
// farol-system would also hand every node the webhook's private key: the
// controller copies them into farol-bgp-passwords, the one more Secret a
// speaker may read, by name: a list and watch whose field selector is
// metadata.name=farol-bgp-passwords, which the authorizer checks against
// resourceNames (see passwordsCache). No get: nothing reads it by GET.

// +kubebuilder:rbac:groups=farol.dev,resources=bgppeers;bgpadvertisements,verbs=get;list;watch
// +kubebuilder:rbac:groups=farol.dev,resources=bgpnodestatuses,verbs=get;list;watch;create;update;patch
// +kubebuilder:rbac:groups="",resources=secrets,verbs=list;watch,namespace=farol-system,resourceNames=farol-bgp-passwords
