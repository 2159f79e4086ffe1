package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// BGPPeerSpec is one BGP session: the router to talk to, the ASNs on both
// ends, timers, authentication, and which nodes open it. docs/bgp-api.md
// maps every field to MetalLB's BGPPeer.
//
// Rules that need two fields are CEL rules on the spec with a fieldPath, so
// the error still names the field at fault. Each duration field's first
// rule checks its format (Go's, as metav1.Duration parses it), and every
// other rule skips a value that fails it: a malformed duration gets one
// clear message instead of a CEL conversion error per rule, and never
// reaches storage, where it would break every typed client's list.
//
// +kubebuilder:validation:XValidation:rule="!has(self.sourceAddress) || !isIP(self.peerAddress) || !isIP(self.sourceAddress) || ip(self.sourceAddress).family() == ip(self.peerAddress).family()",message="sourceAddress must be of the same address family as peerAddress",fieldPath=".sourceAddress"
// +kubebuilder:validation:XValidation:rule="!has(self.keepaliveTime) || !self.keepaliveTime.matches('^([0-9]+([.][0-9]+)?(ns|us|ms|s|m|h))+$') || (has(self.holdTime) && !self.holdTime.matches('^([0-9]+([.][0-9]+)?(ns|us|ms|s|m|h))+$')) || (has(self.holdTime) && duration(self.holdTime) == duration('0s')) || duration(self.keepaliveTime) < (has(self.holdTime) ? duration(self.holdTime) : duration('90s'))",message="keepaliveTime must be shorter than holdTime (default 90s)",fieldPath=".keepaliveTime"
// +kubebuilder:validation:XValidation:rule="!has(self.keepaliveTime) || !has(self.holdTime) || !self.keepaliveTime.matches('^([0-9]+([.][0-9]+)?(ns|us|ms|s|m|h))+$') || !self.holdTime.matches('^([0-9]+([.][0-9]+)?(ns|us|ms|s|m|h))+$') || duration(self.holdTime) != duration('0s') || duration(self.keepaliveTime) == duration('0s')",message="keepaliveTime must be 0 when holdTime is 0 (no keepalives are sent)",fieldPath=".keepaliveTime"
// +kubebuilder:validation:XValidation:rule="!has(self.ebgpMultiHop) || self.peerASN != self.myASN",message="ebgpMultiHop applies to eBGP sessions only (peerASN different from myASN)",fieldPath=".ebgpMultiHop"
type BGPPeerSpec struct {
	// PeerAddress is the router's address, IPv4 or IPv6, without a zone.
	// +kubebuilder:validation:MaxLength=45
	// +kubebuilder:validation:XValidation:rule="isIP(self)",message="must be an IPv4 or IPv6 address"
	PeerAddress string `json:"peerAddress"`

	// PeerASN is the router's AS number (4-byte ASNs allowed). Equal to
	// MyASN makes the session iBGP, different makes it eBGP.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=4294967295
	// +kubebuilder:validation:Format=int64
	PeerASN uint32 `json:"peerASN"`

	// MyASN is the AS number the nodes speak as on this session.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=4294967295
	// +kubebuilder:validation:Format=int64
	MyASN uint32 `json:"myASN"`

	// PeerPort is the router's TCP port. Default 179.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	// +optional
	PeerPort *int32 `json:"peerPort,omitempty"`

	// SourceAddress is the local address to open the session from, of the
	// same family as PeerAddress. Empty lets the kernel choose by route.
	// +kubebuilder:validation:MaxLength=45
	// +kubebuilder:validation:XValidation:rule="isIP(self)",message="must be an IPv4 or IPv6 address"
	// +optional
	SourceAddress string `json:"sourceAddress,omitempty"`

	// HoldTime is the BGP hold time offered in OPEN (RFC 4271): 0 (no
	// keepalives, the session never times out) or from 3s to 65535s, in
	// whole seconds. Default 90s.
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule="self.matches('^([0-9]+([.][0-9]+)?(ns|us|ms|s|m|h))+$')",message="must be a duration such as 90s, 1m30s or 300ms"
	// +kubebuilder:validation:XValidation:rule="!self.matches('^([0-9]+([.][0-9]+)?(ns|us|ms|s|m|h))+$') || (duration(self) == duration('0s') || duration(self) >= duration('3s'))",message="must be 0 or at least 3s (RFC 4271)"
	// +kubebuilder:validation:XValidation:rule="!self.matches('^([0-9]+([.][0-9]+)?(ns|us|ms|s|m|h))+$') || duration(self) <= duration('65535s')",message="must be at most 65535s"
	// +kubebuilder:validation:XValidation:rule="!self.matches('^([0-9]+([.][0-9]+)?(ns|us|ms|s|m|h))+$') || duration(self).getMilliseconds() % 1000 == 0",message="must be a whole number of seconds"
	// +optional
	HoldTime *metav1.Duration `json:"holdTime,omitempty"`

	// KeepaliveTime is the interval between KEEPALIVE messages, shorter
	// than HoldTime, in whole seconds. Default a third of HoldTime.
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule="self.matches('^([0-9]+([.][0-9]+)?(ns|us|ms|s|m|h))+$')",message="must be a duration such as 90s, 1m30s or 300ms"
	// +kubebuilder:validation:XValidation:rule="!self.matches('^([0-9]+([.][0-9]+)?(ns|us|ms|s|m|h))+$') || duration(self) <= duration('65535s')",message="must be at most 65535s"
	// +kubebuilder:validation:XValidation:rule="!self.matches('^([0-9]+([.][0-9]+)?(ns|us|ms|s|m|h))+$') || duration(self).getMilliseconds() % 1000 == 0",message="must be a whole number of seconds"
	// +optional
	KeepaliveTime *metav1.Duration `json:"keepaliveTime,omitempty"`

	// ConnectTime is how long to wait between connection attempts, from 1s
	// to 65535s in whole seconds. Default 120s, the ConnectRetryTime RFC
	// 4271 suggests.
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule="self.matches('^([0-9]+([.][0-9]+)?(ns|us|ms|s|m|h))+$')",message="must be a duration such as 90s, 1m30s or 300ms"
	// +kubebuilder:validation:XValidation:rule="!self.matches('^([0-9]+([.][0-9]+)?(ns|us|ms|s|m|h))+$') || (duration(self) >= duration('1s') && duration(self) <= duration('65535s'))",message="must be between 1s and 65535s"
	// +kubebuilder:validation:XValidation:rule="!self.matches('^([0-9]+([.][0-9]+)?(ns|us|ms|s|m|h))+$') || duration(self).getMilliseconds() % 1000 == 0",message="must be a whole number of seconds"
	// +optional
	ConnectTime *metav1.Duration `json:"connectTime,omitempty"`

	// EBGPMultiHop is the IP TTL of an eBGP session whose router is not on
	// a directly connected network (1-255). Absent means directly
	// connected. MetalLB's boolean true is 255.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=255
	// +optional
	EBGPMultiHop *int32 `json:"ebgpMultiHop,omitempty"`

	// PasswordSecretRef names the Secret holding the TCP MD5 (RFC 2385)
	// password. The Secret must be in the namespace the speaker runs in
	// (farol-system): the speaker can read no Secret elsewhere.
	// +optional
	PasswordSecretRef *SecretKeyRef `json:"passwordSecretRef,omitempty"`

	// GracefulRestart announces the graceful restart capability (RFC
	// 4724), so the router keeps this node's routes while its speaker
	// restarts. Changing it resets the session: capabilities are
	// exchanged only in OPEN.
	// +optional
	GracefulRestart bool `json:"gracefulRestart,omitempty"`

	// BFD, when set, runs a BFD session (RFC 5880/5881, single hop) with
	// the router, so the session goes down in BFD time instead of hold
	// time when the path fails.
	// +optional
	BFD *BFD `json:"bfd,omitempty"`

	// RouterID is the BGP identifier, an IPv4 address. Empty lets the
	// speaker choose, normally the node's IPv4 address.
	// +kubebuilder:validation:MaxLength=15
	// +kubebuilder:validation:XValidation:rule="isIP(self) && ip(self).family() == 4",message="must be an IPv4 address"
	// +optional
	RouterID string `json:"routerID,omitempty"`

	// NodeSelector limits the nodes that open this session. Empty means
	// every node.
	// +optional
	NodeSelector *metav1.LabelSelector `json:"nodeSelector,omitempty"`
}

// SecretKeyRef names one key of a Secret in the speaker's namespace.
type SecretKeyRef struct {
	// Name of the Secret in farol-system.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
	// Key in the Secret's data. Default "password" (the key of a
	// kubernetes.io/basic-auth Secret, which MetalLB uses).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[-._a-zA-Z0-9]+$`
	// +optional
	Key string `json:"key,omitempty"`
}

// BFD are the timers of a BFD session. Each end uses the slower of what it
// asks for and what the other end accepts; the session is down after
// Multiplier intervals without a packet.
type BFD struct {
	// MinRx is the shortest interval between received packets this node
	// accepts, 10ms to 60s. Default 300ms.
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule="self.matches('^([0-9]+([.][0-9]+)?(ns|us|ms|s|m|h))+$')",message="must be a duration such as 90s, 1m30s or 300ms"
	// +kubebuilder:validation:XValidation:rule="!self.matches('^([0-9]+([.][0-9]+)?(ns|us|ms|s|m|h))+$') || (duration(self) >= duration('10ms') && duration(self) <= duration('60s'))",message="must be between 10ms and 60s"
	// +optional
	MinRx *metav1.Duration `json:"minRx,omitempty"`
	// MinTx is the shortest interval between packets this node would like
	// to send, 10ms to 60s. Default 300ms.
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule="self.matches('^([0-9]+([.][0-9]+)?(ns|us|ms|s|m|h))+$')",message="must be a duration such as 90s, 1m30s or 300ms"
	// +kubebuilder:validation:XValidation:rule="!self.matches('^([0-9]+([.][0-9]+)?(ns|us|ms|s|m|h))+$') || (duration(self) >= duration('10ms') && duration(self) <= duration('60s'))",message="must be between 10ms and 60s"
	// +optional
	MinTx *metav1.Duration `json:"minTx,omitempty"`
	// Multiplier is the number of missed packets after which the session
	// is down, 2 to 255. Default 3.
	// +kubebuilder:validation:Minimum=2
	// +kubebuilder:validation:Maximum=255
	// +optional
	Multiplier *int32 `json:"multiplier,omitempty"`
}

// BGPPeerStatus says whether the peer is in use.
type BGPPeerStatus struct {
	// Conditions: Ready is False with reason Invalid when a field the API
	// server could not check (a selector) does not parse; the message
	// names the field. Session state is per node, in BGPNodeStatus.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// BGPPeer is a BGP router that the selected nodes open a session with.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,shortName=bgppeer,categories=farol
// +kubebuilder:printcolumn:name="Address",type=string,JSONPath=`.spec.peerAddress`
// +kubebuilder:printcolumn:name="Peer ASN",type=integer,JSONPath=`.spec.peerASN`
// +kubebuilder:printcolumn:name="My ASN",type=integer,JSONPath=`.spec.myASN`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Multi Hop",type=integer,JSONPath=`.spec.ebgpMultiHop`,priority=1
// +kubebuilder:printcolumn:name="BFD",type=string,JSONPath=`.spec.bfd.minRx`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type BGPPeer struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec BGPPeerSpec `json:"spec"`
	// +optional
	Status BGPPeerStatus `json:"status,omitempty"`
}

// BGPPeerList is a list of BGPPeers.
//
// +kubebuilder:object:root=true
type BGPPeerList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []BGPPeer `json:"items"`
}
