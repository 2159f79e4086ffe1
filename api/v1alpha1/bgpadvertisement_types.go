package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Community is a BGP community attached to the advertised routes: standard
// (RFC 1997) as two 16-bit numbers, "65000:100", or large (RFC 8092) as
// three 32-bit numbers, "65000:1:2". MetalLB writes a large community as
// "large:65000:1:2"; the importer drops the prefix.
//
// +kubebuilder:validation:MinLength=3
// +kubebuilder:validation:MaxLength=32
// +kubebuilder:validation:XValidation:rule="self.matches('^[0-9]{1,5}:[0-9]{1,5}$') || self.matches('^[0-9]{1,10}:[0-9]{1,10}:[0-9]{1,10}$')",message="must be a standard community such as 65000:100 or a large community such as 65000:1:2"
// +kubebuilder:validation:XValidation:rule="!self.matches('^[0-9]{1,5}:[0-9]{1,5}$') || self.split(':').all(p, int(p) <= 65535)",message="each part of a standard community must be at most 65535"
// +kubebuilder:validation:XValidation:rule="!self.matches('^[0-9]{1,10}:[0-9]{1,10}:[0-9]{1,10}$') || self.split(':').all(p, int(p) <= 4294967295)",message="each part of a large community must be at most 4294967295"
type Community string

// BGPAdvertisementSpec says which addresses are advertised over BGP, to
// which peers, from which nodes, and with which attributes. docs/bgp-api.md
// maps every field to MetalLB's BGPAdvertisement.
type BGPAdvertisementSpec struct {
	// Pools names the AddressPools whose addresses are advertised. Empty
	// together with PoolSelector means every pool.
	// +kubebuilder:validation:MaxItems=256
	// +listType=set
	// +optional
	Pools []string `json:"pools,omitempty"`

	// PoolSelector selects AddressPools by label, in addition to Pools.
	// +optional
	PoolSelector *metav1.LabelSelector `json:"poolSelector,omitempty"`

	// AggregationLength is the prefix length IPv4 addresses are advertised
	// with: 32 (the default) advertises each address as a host route, a
	// shorter one advertises the block around it once. Every node with an
	// address in the block advertises the block.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=32
	// +optional
	AggregationLength *int32 `json:"aggregationLength,omitempty"`

	// AggregationLengthV6 is AggregationLength for IPv6: 0 to 128, default
	// 128.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=128
	// +optional
	AggregationLengthV6 *int32 `json:"aggregationLengthV6,omitempty"`

	// Communities are attached to every advertised route.
	// +kubebuilder:validation:MaxItems=64
	// +listType=set
	// +optional
	Communities []Community `json:"communities,omitempty"`

	// LocalPref is the LOCAL_PREF attribute of the routes. BGP sends it to
	// iBGP peers only (RFC 4271 5.1.5), so an advertisement with LocalPref
	// must not be sent to an eBGP peer; the controller reports that as
	// Ready=False naming this field and the peer.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=4294967295
	// +kubebuilder:validation:Format=int64
	// +optional
	LocalPref *uint32 `json:"localPref,omitempty"`

	// Peers names the BGPPeers the addresses are advertised to. Empty
	// means every peer.
	// +kubebuilder:validation:MaxItems=256
	// +listType=set
	// +optional
	Peers []string `json:"peers,omitempty"`

	// NodeSelector limits the nodes that advertise (that offer themselves
	// as next hop). Empty means every node.
	// +optional
	NodeSelector *metav1.LabelSelector `json:"nodeSelector,omitempty"`
}

// BGPAdvertisementStatus says whether the advertisement is in use.
type BGPAdvertisementStatus struct {
	// Conditions: Ready is False with reason Invalid when a selector does
	// not parse or LocalPref goes to an eBGP peer (the message names the
	// field); the advertisement then advertises nothing until it is fixed.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// BGPAdvertisement makes the addresses of some pools reachable through BGP
// routers: every eligible node advertises a route to each address to the
// selected peers, and the routers spread traffic over them (ECMP).
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,shortName=bgpadv,categories=farol
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Pools",type=string,JSONPath=`.spec.pools`
// +kubebuilder:printcolumn:name="Peers",type=string,JSONPath=`.spec.peers`
// +kubebuilder:printcolumn:name="Communities",type=string,JSONPath=`.spec.communities`,priority=1
// +kubebuilder:printcolumn:name="Local Pref",type=integer,JSONPath=`.spec.localPref`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type BGPAdvertisement struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +optional
	Spec BGPAdvertisementSpec `json:"spec,omitempty"`
	// +optional
	Status BGPAdvertisementStatus `json:"status,omitempty"`
}

// BGPAdvertisementList is a list of BGPAdvertisements.
//
// +kubebuilder:object:root=true
type BGPAdvertisementList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []BGPAdvertisement `json:"items"`
}
