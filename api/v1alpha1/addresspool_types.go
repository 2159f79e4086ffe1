package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// AddressRange is one block of addresses: a CIDR ("10.0.0.0/24",
// "2001:db8::/120") or an inclusive range of one family ("10.0.0.10-10.0.0.49",
// "2001:db8::10-2001:db8::ff").
//
// The CEL rules below make the API server refuse malformed entries at apply
// time. A reversed range ("10.0.0.9-10.0.0.1") is refused by the admission
// policy in config/policy instead: CEL has no ordering on IP values, and
// every way of building one exceeds the API server's estimated cost budget
// for CRD rules, which a policy is not held to. The controller also marks
// such a pool Ready=False, reason Invalid, naming the field.
//
// +kubebuilder:validation:MinLength=1
// +kubebuilder:validation:MaxLength=90
// +kubebuilder:validation:XValidation:rule="isCIDR(self) || (self.split('-').size() == 2 && isIP(self.split('-')[0]) && isIP(self.split('-')[1]))",message="must be a CIDR such as 10.0.0.0/24 or an inclusive range such as 10.0.0.10-10.0.0.49"
// +kubebuilder:validation:XValidation:rule="!isCIDR(self) || cidr(self).masked() == cidr(self)",message="CIDR has host bits set; use the network address"
// +kubebuilder:validation:XValidation:rule="isCIDR(self) || self.split('-').size() != 2 || !isIP(self.split('-')[0]) || !isIP(self.split('-')[1]) || ip(self.split('-')[0]).family() == ip(self.split('-')[1]).family()",message="range mixes IPv4 and IPv6"
type AddressRange string

// AddressPoolSpec says which addresses Farol may hand out and to whom.
type AddressPoolSpec struct {
	// Addresses are the blocks this pool hands out. IPv4 and IPv6 may be
	// mixed in one pool; a dual-stack Service gets one of each from it.
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=32
	// +listType=set
	Addresses []AddressRange `json:"addresses"`

	// AutoAssign lets Services that do not name a pool or an address get one
	// from this pool. When false, only explicit requests use it.
	// +kubebuilder:default=true
	// +optional
	AutoAssign *bool `json:"autoAssign,omitempty"`

	// AvoidBuggyIPs skips IPv4 addresses ending in .0 and .255, which some
	// old client stacks mistake for network or broadcast addresses.
	// +optional
	AvoidBuggyIPs bool `json:"avoidBuggyIPs,omitempty"`

	// Allocation restricts which Services may get addresses from this pool
	// automatically, and in which order pools are tried.
	// +optional
	Allocation *Allocation `json:"allocation,omitempty"`
}

// Allocation restricts and orders automatic assignment. All given
// conditions must hold for a Service to match.
type Allocation struct {
	// Priority orders pools for automatic assignment: lower first, then by
	// name.
	// +optional
	Priority int32 `json:"priority,omitempty"`

	// Namespaces, when set, limits the pool to Services in these namespaces.
	// +kubebuilder:validation:MaxItems=256
	// +kubebuilder:validation:items:MaxLength=63
	// +kubebuilder:validation:items:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	// +listType=set
	// +optional
	Namespaces []string `json:"namespaces,omitempty"`

	// NamespaceSelector, when set, limits the pool to Services in namespaces
	// whose labels match.
	// +optional
	NamespaceSelector *metav1.LabelSelector `json:"namespaceSelector,omitempty"`

	// ServiceSelector, when set, limits the pool to Services whose labels
	// match.
	// +optional
	ServiceSelector *metav1.LabelSelector `json:"serviceSelector,omitempty"`
}

// FamilyUsage is how much of one address family a pool holds and uses.
type FamilyUsage struct {
	// Capacity is the number of addresses of this family, in decimal. It is
	// a string because an IPv6 pool can hold more than 2^63 addresses.
	Capacity string `json:"capacity"`
	// InUse is the number of distinct addresses assigned to Services.
	InUse int64 `json:"inUse"`
}

// AddressPoolStatus is what the controller observed of the pool.
type AddressPoolStatus struct {
	// ObservedGeneration is the spec generation this status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// IPv4 usage, absent when the pool has no IPv4 addresses.
	// +optional
	IPv4 *FamilyUsage `json:"ipv4,omitempty"`
	// IPv6 usage, absent when the pool has no IPv6 addresses.
	// +optional
	IPv6 *FamilyUsage `json:"ipv6,omitempty"`
	// Capacity summarises both families for `kubectl get`, e.g. "254" or
	// "254 + 2^64".
	// +optional
	Capacity string `json:"capacity,omitempty"`
	// InUse is the number of addresses assigned, both families together.
	// +optional
	InUse int64 `json:"inUse,omitempty"`
	// Conditions: Ready says whether the pool is used for new assignments
	// and, when not, why (reason Overlap names the other pool).
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// AddressPool is a set of addresses Farol may assign to LoadBalancer
// Services.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,shortName=pool;pools,categories=farol
// +kubebuilder:printcolumn:name="Addresses",type=string,JSONPath=`.spec.addresses`
// +kubebuilder:printcolumn:name="Auto",type=boolean,JSONPath=`.spec.autoAssign`
// +kubebuilder:printcolumn:name="Capacity",type=string,JSONPath=`.status.capacity`
// +kubebuilder:printcolumn:name="Used",type=integer,JSONPath=`.status.inUse`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type AddressPool struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   AddressPoolSpec   `json:"spec"`
	Status AddressPoolStatus `json:"status,omitempty"`
}

// AddressPoolList is a list of AddressPools.
//
// +kubebuilder:object:root=true
type AddressPoolList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []AddressPool `json:"items"`
}
