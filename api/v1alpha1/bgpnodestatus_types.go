package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// BGPSessionState is the state of a BGP session's finite state machine
// (RFC 4271 8.2.2).
// +kubebuilder:validation:Enum=Idle;Connect;Active;OpenSent;OpenConfirm;Established
type BGPSessionState string

// The BGP session states.
const (
	BGPSessionIdle        BGPSessionState = "Idle"
	BGPSessionConnect     BGPSessionState = "Connect"
	BGPSessionActive      BGPSessionState = "Active"
	BGPSessionOpenSent    BGPSessionState = "OpenSent"
	BGPSessionOpenConfirm BGPSessionState = "OpenConfirm"
	BGPSessionEstablished BGPSessionState = "Established"
)

// BFDSessionState is the state of a BFD session (RFC 5880 4.1).
// +kubebuilder:validation:Enum=AdminDown;Down;Init;Up
type BFDSessionState string

// The BFD session states.
const (
	BFDAdminDown BFDSessionState = "AdminDown"
	BFDDown      BFDSessionState = "Down"
	BFDInit      BFDSessionState = "Init"
	BFDUp        BFDSessionState = "Up"
)

// BGPSessionStatus is one node's session with one BGPPeer.
type BGPSessionStatus struct {
	// Peer is the BGPPeer's name.
	// +kubebuilder:validation:MaxLength=253
	Peer string `json:"peer"`
	// Address is the router's address the session is with.
	// +kubebuilder:validation:MaxLength=45
	// +optional
	Address string `json:"address,omitempty"`
	// State of the session.
	State BGPSessionState `json:"state"`
	// Since is when the session entered State: the session's uptime when
	// it is Established.
	// +optional
	Since *metav1.Time `json:"since,omitempty"`
	// PrefixesSent is the number of prefixes this node advertises to the
	// peer.
	// +kubebuilder:validation:Minimum=0
	// +optional
	PrefixesSent int64 `json:"prefixesSent,omitempty"`
	// BFD is the state of the BFD session; empty when the peer has no BFD.
	// +optional
	BFD BFDSessionState `json:"bfd,omitempty"`
	// LastError is the most recent reason the session went down or failed
	// to come up (a NOTIFICATION, a refused connection, a missing password
	// Secret), kept until the session is Established again.
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	LastError string `json:"lastError,omitempty"`
}

// BGPNodeStatusStatus is what one node's speaker observes of its sessions.
type BGPNodeStatusStatus struct {
	// Established is the number of sessions in state Established.
	// +optional
	Established int32 `json:"established"`
	// Total is the number of sessions this node is configured to have.
	// +optional
	Total int32 `json:"total"`
	// Sessions, one per BGPPeer that selects this node, sorted by peer.
	// +kubebuilder:validation:MaxItems=1024
	// +listType=map
	// +listMapKey=peer
	// +optional
	Sessions []BGPSessionStatus `json:"sessions,omitempty"`
}

// BGPNodeStatus is the BGP state of one node, named after the node (the
// NAME column of kubectl get is the node) and
// written only by that node's speaker, and only when something changed
// (see BGPNodeStatusStatus.Differs). It has no spec and no status
// subresource: the object is status, written in one request.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,shortName=bgpstatus,categories=farol
// +kubebuilder:printcolumn:name="Established",type=integer,JSONPath=`.status.established`
// +kubebuilder:printcolumn:name="Total",type=integer,JSONPath=`.status.total`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type BGPNodeStatus struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +optional
	Status BGPNodeStatusStatus `json:"status,omitempty"`
}

// BGPNodeStatusList is a list of BGPNodeStatuses.
//
// +kubebuilder:object:root=true
type BGPNodeStatusList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []BGPNodeStatus `json:"items"`
}
