package metallb

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The shapes of MetalLB's objects, as far as the importer reads them. One
// struct serves v1beta1 and v1beta2 where the JSON is the same; a field
// these structs lack is reported as unknown.

type ipAddressPool struct {
	metav1.TypeMeta `json:",inline"`
	Metadata        metav1.ObjectMeta `json:"metadata"`
	Spec            struct {
		Addresses         []string           `json:"addresses"`
		AutoAssign        *bool              `json:"autoAssign,omitempty"`
		AvoidBuggyIPs     bool               `json:"avoidBuggyIPs,omitempty"`
		ServiceAllocation *serviceAllocation `json:"serviceAllocation,omitempty"`
	} `json:"spec"`
	Status map[string]any `json:"status,omitempty"`
}

type serviceAllocation struct {
	Priority           int32                  `json:"priority,omitempty"`
	Namespaces         []string               `json:"namespaces,omitempty"`
	NamespaceSelectors []metav1.LabelSelector `json:"namespaceSelectors,omitempty"`
	ServiceSelectors   []metav1.LabelSelector `json:"serviceSelectors,omitempty"`
}

type l2Advertisement struct {
	metav1.TypeMeta `json:",inline"`
	Metadata        metav1.ObjectMeta `json:"metadata"`
	Spec            struct {
		IPAddressPools         []string               `json:"ipAddressPools,omitempty"`
		IPAddressPoolSelectors []metav1.LabelSelector `json:"ipAddressPoolSelectors,omitempty"`
		NodeSelectors          []metav1.LabelSelector `json:"nodeSelectors,omitempty"`
		Interfaces             []string               `json:"interfaces,omitempty"`
		ServiceSelectors       []metav1.LabelSelector `json:"serviceSelectors,omitempty"`
		PreferredNodeSelectors []any                  `json:"preferredNodeSelectors,omitempty"`
	} `json:"spec"`
	Status map[string]any `json:"status,omitempty"`
}

type bgpAdvertisement struct {
	metav1.TypeMeta `json:",inline"`
	Metadata        metav1.ObjectMeta `json:"metadata"`
	Spec            struct {
		AggregationLength      *int32                 `json:"aggregationLength,omitempty"`
		AggregationLengthV6    *int32                 `json:"aggregationLengthV6,omitempty"`
		LocalPref              uint32                 `json:"localPref,omitempty"`
		Communities            []string               `json:"communities,omitempty"`
		IPAddressPools         []string               `json:"ipAddressPools,omitempty"`
		IPAddressPoolSelectors []metav1.LabelSelector `json:"ipAddressPoolSelectors,omitempty"`
		NodeSelectors          []metav1.LabelSelector `json:"nodeSelectors,omitempty"`
		Peers                  []string               `json:"peers,omitempty"`
		ServiceSelectors       []metav1.LabelSelector `json:"serviceSelectors,omitempty"`
	} `json:"spec"`
	Status map[string]any `json:"status,omitempty"`
}

// bgpPeer is v1beta2's BGPPeer; v1beta1's is a subset with the same JSON
// (its node selectors are label selectors in all but name).
type bgpPeer struct {
	metav1.TypeMeta `json:",inline"`
	Metadata        metav1.ObjectMeta `json:"metadata"`
	Spec            struct {
		MyASN                  uint32                 `json:"myASN"`
		PeerASN                uint32                 `json:"peerASN,omitempty"`
		LocalASN               uint32                 `json:"localASN,omitempty"`
		DynamicASN             string                 `json:"dynamicASN,omitempty"`
		PeerAddress            string                 `json:"peerAddress,omitempty"`
		Interface              string                 `json:"interface,omitempty"`
		SourceAddress          string                 `json:"sourceAddress,omitempty"`
		PeerPort               int32                  `json:"peerPort,omitempty"`
		HoldTime               *metav1.Duration       `json:"holdTime,omitempty"`
		KeepaliveTime          *metav1.Duration       `json:"keepaliveTime,omitempty"`
		ConnectTime            *metav1.Duration       `json:"connectTime,omitempty"`
		RouterID               string                 `json:"routerID,omitempty"`
		NodeSelectors          []metav1.LabelSelector `json:"nodeSelectors,omitempty"`
		Password               string                 `json:"password,omitempty"`
		PasswordSecret         secretReference        `json:"passwordSecret,omitzero"`
		BFDProfile             string                 `json:"bfdProfile,omitempty"`
		EnableGracefulRestart  bool                   `json:"enableGracefulRestart,omitempty"`
		EBGPMultiHop           bool                   `json:"ebgpMultiHop,omitempty"`
		VRF                    string                 `json:"vrf,omitempty"`
		DisableMP              bool                   `json:"disableMP,omitempty"`
		DualStackAddressFamily bool                   `json:"dualStackAddressFamily,omitempty"`
	} `json:"spec"`
	Status map[string]any `json:"status,omitempty"`
}

type secretReference struct {
	Name      string `json:"name,omitempty"`
	Namespace string `json:"namespace,omitempty"`
}

type bfdProfile struct {
	metav1.TypeMeta `json:",inline"`
	Metadata        metav1.ObjectMeta `json:"metadata"`
	Spec            struct {
		ReceiveInterval  *uint32 `json:"receiveInterval,omitempty"`
		TransmitInterval *uint32 `json:"transmitInterval,omitempty"`
		DetectMultiplier *uint32 `json:"detectMultiplier,omitempty"`
		EchoInterval     *uint32 `json:"echoInterval,omitempty"`
		EchoMode         *bool   `json:"echoMode,omitempty"`
		PassiveMode      *bool   `json:"passiveMode,omitempty"`
		MinimumTTL       *uint32 `json:"minimumTtl,omitempty"`
	} `json:"spec"`
	Status map[string]any `json:"status,omitempty"`
}

type community struct {
	metav1.TypeMeta `json:",inline"`
	Metadata        metav1.ObjectMeta `json:"metadata"`
	Spec            struct {
		Communities []struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		} `json:"communities,omitempty"`
	} `json:"spec"`
	Status map[string]any `json:"status,omitempty"`
}
