package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// L2AdvertisementSpec says which addresses are announced on the local
// network by ARP and NDP, from which nodes and on which interfaces.
type L2AdvertisementSpec struct {
	// Pools names the AddressPools whose addresses are announced. Empty
	// together with PoolSelector means every pool.
	// +kubebuilder:validation:MaxItems=256
	// +listType=set
	// +optional
	Pools []string `json:"pools,omitempty"`

	// PoolSelector selects AddressPools by label, in addition to Pools.
	// +optional
	PoolSelector *metav1.LabelSelector `json:"poolSelector,omitempty"`

	// NodeSelector limits the nodes that may announce. Empty means every
	// node.
	// +optional
	NodeSelector *metav1.LabelSelector `json:"nodeSelector,omitempty"`

	// Interfaces names the node interfaces to answer on. Empty means every
	// suitable interface: up, not loopback, and with a subnet that contains
	// the address.
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MaxLength=15
	// +kubebuilder:validation:items:MinLength=1
	// +listType=set
	// +optional
	Interfaces []string `json:"interfaces,omitempty"`
}

// L2AdvertisementStatus says whether the advertisement is in use.
type L2AdvertisementStatus struct {
	// Conditions: Ready is False with reason Invalid when a selector does
	// not parse (the message names the field); the advertisement then
	// selects nothing until it is fixed.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// L2Advertisement makes the addresses of some pools reachable on the local
// network: one elected node answers ARP and NDP for each.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,shortName=l2adv,categories=farol
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Pools",type=string,JSONPath=`.spec.pools`
// +kubebuilder:printcolumn:name="Interfaces",type=string,JSONPath=`.spec.interfaces`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type L2Advertisement struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +optional
	Spec L2AdvertisementSpec `json:"spec,omitempty"`
	// +optional
	Status L2AdvertisementStatus `json:"status,omitempty"`
}

// L2AdvertisementList is a list of L2Advertisements.
//
// +kubebuilder:object:root=true
type L2AdvertisementList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []L2Advertisement `json:"items"`
}
