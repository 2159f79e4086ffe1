package speaker

import (
	"fmt"
	"net/netip"
	"slices"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
	"github.com/farol-lb/farol/internal/decision"
)

// waitingPeer is a BGPPeer that selects this node but has no session yet
// because the controller has not copied its password: the announcer does
// not know it, so the node's status would not show it at all.
type waitingPeer struct {
	name   string
	addr   netip.Addr
	secret decision.SecretKey
}

// status is how the node's BGPNodeStatus shows the peer: idle, and why.
func (w waitingPeer) status(namespace string) farolv1.BGPSessionStatus {
	return farolv1.BGPSessionStatus{Peer: w.name, Address: w.addr.String(), State: farolv1.BGPSessionIdle,
		LastError: fmt.Sprintf("waiting for the password: key %q of Secret %s/%s is not copied into Secret %s/%s yet (the controller copies it; check that the Secret and key exist)",
			w.secret.Key, namespace, w.secret.Name, namespace, passwordsSecret)}
}

// setWaiting records the peers the last refresh left waiting.
func (p *bgpPeers) setWaiting(w []waitingPeer) {
	p.mu.Lock()
	p.waiting = w
	p.mu.Unlock()
}

// waitingStatus is the status of each waiting peer.
func (p *bgpPeers) waitingStatus() []farolv1.BGPSessionStatus {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]farolv1.BGPSessionStatus, 0, len(p.waiting))
	for _, w := range p.waiting {
		out = append(out, w.status(p.namespace))
	}
	return slices.Clip(out)
}
