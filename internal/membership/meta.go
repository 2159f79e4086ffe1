package membership

import "github.com/hashicorp/memberlist"

// metaDelegate publishes this member's protocol in its node metadata (one
// byte) and uses none of memberlist's other delegate hooks.
type metaDelegate struct{ protocol int }

var _ memberlist.Delegate = metaDelegate{}

func (d metaDelegate) NodeMeta(limit int) []byte {
	if d.protocol <= 0 || d.protocol > 255 || limit < 1 {
		return nil
	}
	return []byte{byte(d.protocol)}
}

func (metaDelegate) NotifyMsg([]byte)                  {}
func (metaDelegate) GetBroadcasts(_, _ int) [][]byte   { return nil }
func (metaDelegate) LocalState(bool) []byte            { return nil }
func (metaDelegate) MergeRemoteState(_ []byte, _ bool) {}

// protocolOf reads a member's published protocol; 0 when it published
// none.
func protocolOf(meta []byte) int {
	if len(meta) == 0 {
		return 0
	}
	return int(meta[0])
}
