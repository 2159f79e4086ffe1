package speaker

// Permissions of the BGP mode, read by controller-gen for the speaker's
// roles (make generate writes config/rbac/speaker/role.yaml); docs/rbac.md
// gives the reason for every rule.
//
// The speaker reads the peers and advertisements everywhere (they are
// cluster-scoped) and writes one BGPNodeStatus per node, named after the
// node. It reads no Secret but the gossip key: BGPPeer's TCP MD5 passwords
// live in Secrets with names the user picks, which resourceNames cannot
// list, and a rule for every Secret in farol-system would also hand every
// node the webhook's private key. The controller is to copy the passwords
// into one Secret the speakers read by name (issue 10, not built yet).

// +kubebuilder:rbac:groups=farol.dev,resources=bgppeers;bgpadvertisements,verbs=get;list;watch
// +kubebuilder:rbac:groups=farol.dev,resources=bgpnodestatuses,verbs=get;list;watch;create;update;patch
