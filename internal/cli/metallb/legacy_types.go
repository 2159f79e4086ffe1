package metallb

// The legacy ConfigMap's `config` key (MetalLB up to 0.12), as far as the
// importer reads it.
type legacyConfig struct {
	Peers          []legacyPeer      `json:"peers,omitempty"`
	BGPCommunities map[string]string `json:"bgp-communities,omitempty"`
	Pools          []legacyPool      `json:"address-pools,omitempty"`
	BFDProfiles    []legacyBFD       `json:"bfd-profiles,omitempty"`
}

type legacyPeer struct {
	MyASN         uint32           `json:"my-asn"`
	PeerASN       uint32           `json:"peer-asn"`
	PeerAddress   string           `json:"peer-address"`
	SourceAddress string           `json:"source-address,omitempty"`
	PeerPort      int32            `json:"peer-port,omitempty"`
	HoldTime      string           `json:"hold-time,omitempty"`
	KeepaliveTime string           `json:"keepalive-time,omitempty"`
	RouterID      string           `json:"router-id,omitempty"`
	NodeSelectors []legacySelector `json:"node-selectors,omitempty"`
	Password      string           `json:"password,omitempty"`
	BFDProfile    string           `json:"bfd-profile,omitempty"`
	EBGPMultiHop  bool             `json:"ebgp-multihop,omitempty"`
}

type legacySelector struct {
	MatchLabels      map[string]string `json:"match-labels,omitempty"`
	MatchExpressions []struct {
		Key      string   `json:"key"`
		Operator string   `json:"operator"`
		Values   []string `json:"values,omitempty"`
	} `json:"match-expressions,omitempty"`
}

type legacyPool struct {
	Name              string      `json:"name"`
	Protocol          string      `json:"protocol"`
	Addresses         []string    `json:"addresses"`
	AutoAssign        *bool       `json:"auto-assign,omitempty"`
	AvoidBuggyIPs     bool        `json:"avoid-buggy-ips,omitempty"`
	BGPAdvertisements []legacyAdv `json:"bgp-advertisements,omitempty"`
}

type legacyAdv struct {
	AggregationLength   *int32   `json:"aggregation-length,omitempty"`
	AggregationLengthV6 *int32   `json:"aggregation-length-v6,omitempty"`
	LocalPref           *uint32  `json:"localpref,omitempty"`
	Communities         []string `json:"communities,omitempty"`
}

type legacyBFD struct {
	Name             string  `json:"name"`
	ReceiveInterval  *uint32 `json:"receive-interval,omitempty"`
	TransmitInterval *uint32 `json:"transmit-interval,omitempty"`
	DetectMultiplier *uint32 `json:"detect-multiplier,omitempty"`
	EchoInterval     *uint32 `json:"echo-interval,omitempty"`
	EchoMode         bool    `json:"echo-mode,omitempty"`
	PassiveMode      bool    `json:"passive-mode,omitempty"`
	MinimumTTL       *uint32 `json:"minimum-ttl,omitempty"`
}
