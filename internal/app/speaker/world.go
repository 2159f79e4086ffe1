package speaker

import (
	"context"
	"fmt"
	"hash/maphash"
	"slices"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
	"github.com/farol-lb/farol/internal/config"
	"github.com/farol-lb/farol/internal/decision"
)

// worlds holds the shared decision state — the world built from Nodes,
// advertisements, pools and live speakers — and, for every Service decided
// so far, its input and its last decision. A change of the world is decided
// again in memory for every known Service (a ring lookup each, no API
// call), and only the Services whose decision changed are reconciled.
type worlds struct {
	reader client.Reader
	live   func() []string
	// protocols are the owner-election protocols the live speakers
	// published; the world uses the newest all of them speak.
	protocols func() map[string]int
	// join hands the speakers' addresses to the membership; it must not
	// block (joining can wait seconds on unreachable peers).
	join func(peers []string)
	// enqueue asks for a Service's reconcile; it must not block.
	enqueue func(service string)

	mu    sync.Mutex
	world *decision.World
	dirty bool
	// objects: Nodes, advertisements or pools changed since the inputs
	// below were read; a change of live speakers alone reuses them.
	objects bool
	nodes   []decision.Node
	ads     []decision.Advertisement
	bgp     []decision.BGPAdvertisement
	// first is the first live speaker by name when the world was built.
	first  string
	peers  []string
	inputs map[string]decision.Service // Service -> its last input
	last   map[string]uint64           // Service -> fingerprint of its last decision
	seed   maphash.Seed
}

func newWorlds(reader client.Reader, members Members, join func([]string), enqueue func(string)) *worlds {
	return &worlds{
		reader: reader, live: members.Live, protocols: members.Protocols, join: join, enqueue: enqueue,
		inputs: map[string]decision.Service{},
		last:   map[string]uint64{},
		seed:   maphash.MakeSeed(),
	}
}

// invalidate marks the world stale; the next redecide or decide rebuilds
// it.
func (w *worlds) invalidate() {
	w.mu.Lock()
	w.dirty, w.objects = true, true
	w.mu.Unlock()
}

// speakersChanged marks the world stale after a change of live speakers:
// the next rebuild reuses the Nodes and advertisements it read last.
func (w *worlds) speakersChanged() {
	w.mu.Lock()
	w.dirty = true
	w.mu.Unlock()
}

// decide computes a Service's announcements with the current world and
// remembers input and answer, so that a later change of the world can tell
// whether this Service is affected.
func (w *worlds) decide(ctx context.Context, s decision.Service) ([]decision.Announcement, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.ensure(ctx); err != nil {
		return nil, err
	}
	anns := w.world.Decide(s)
	w.inputs[s.Key] = s
	w.last[s.Key] = fingerprint(w.seed, anns)
	return anns, nil
}

// forget drops a Service that no longer needs decisions.
func (w *worlds) forget(key string) {
	w.mu.Lock()
	delete(w.inputs, key)
	delete(w.last, key)
	w.mu.Unlock()
}

// redecide rebuilds a stale world and decides every known Service again,
// in memory; it enqueues those whose decision changed and returns how
// many did.
func (w *worlds) redecide(ctx context.Context) (int, error) {
	w.mu.Lock()
	if !w.dirty && w.world != nil {
		w.mu.Unlock()
		return 0, nil
	}
	if err := w.ensure(ctx); err != nil {
		w.mu.Unlock()
		return 0, err
	}
	var changed []string
	for key, in := range w.inputs {
		if f := fingerprint(w.seed, w.world.Decide(in)); f != w.last[key] {
			w.last[key] = f
			changed = append(changed, key)
		}
	}
	w.mu.Unlock()
	for _, key := range changed {
		w.enqueue(key)
	}
	return len(changed), nil
}

// ensure rebuilds the world if it is stale. The caller holds mu.
func (w *worlds) ensure(ctx context.Context) error {
	if w.world != nil && !w.dirty {
		return nil
	}
	return w.rebuild(ctx)
}

func (w *worlds) rebuild(ctx context.Context) error {
	if w.objects || w.world == nil {
		if err := w.readObjects(ctx); err != nil {
			return err
		}
	}
	live := w.live()
	w.world = decision.Build(decision.Inputs{Protocol: decision.Protocol(w.protocols()), Nodes: w.nodes, Live: live, L2: w.ads, BGP: w.bgp})
	w.first = ""
	if len(live) > 0 {
		w.first = slices.Min(live)
	}
	w.dirty = false
	return nil
}

// readObjects reads Nodes, advertisements and pools from the cache into
// decision inputs. The caller holds mu.
func (w *worlds) readObjects(ctx context.Context) error {
	var nodes corev1.NodeList
	// Read-only: no copy of thousands of Nodes per rebuild.
	if err := w.reader.List(ctx, &nodes, client.UnsafeDisableDeepCopy); err != nil {
		return fmt.Errorf("list nodes: %w", err)
	}
	var ads farolv1.L2AdvertisementList
	if err := w.reader.List(ctx, &ads, client.UnsafeDisableDeepCopy); err != nil {
		return fmt.Errorf("list L2Advertisements: %w", err)
	}
	var pools farolv1.AddressPoolList
	if err := w.reader.List(ctx, &pools, client.UnsafeDisableDeepCopy); err != nil {
		return fmt.Errorf("list address pools: %w", err)
	}
	var bgpAds farolv1.BGPAdvertisementList
	if err := w.reader.List(ctx, &bgpAds, client.UnsafeDisableDeepCopy); err != nil {
		return fmt.Errorf("list BGPAdvertisements: %w", err)
	}
	in := config.DecisionInputs(nodes.Items, ads.Items, bgpAds.Items, pools.Items)
	w.nodes, w.ads, w.bgp, w.objects = in.Nodes, in.L2, in.BGP, false
	return nil
}

// refreshPeers hands the speakers' addresses (the Nodes' InternalIPs) to
// the membership when they changed. It runs on Node events that can change
// them, whether or not any Service needs a decision: speakers must meet
// before the first address is assigned.
func (w *worlds) refreshPeers(ctx context.Context) error {
	var nodes corev1.NodeList
	// Read-only: no copy of thousands of Nodes per rebuild.
	if err := w.reader.List(ctx, &nodes, client.UnsafeDisableDeepCopy); err != nil {
		return fmt.Errorf("list nodes: %w", err)
	}
	var peers []string
	for _, n := range nodes.Items {
		if ip, ok := config.InternalIP(&n); ok {
			peers = append(peers, ip.String())
		}
	}
	slices.Sort(peers)
	w.mu.Lock()
	defer w.mu.Unlock()
	if !slices.Equal(peers, w.peers) {
		w.peers = peers
		w.join(peers)
	}
	return nil
}

// firstLive reports whether self is the first live speaker by name: the
// one that speaks for all when nobody owns an address. It is read from the
// world, built with the same live speakers as the decisions, instead of
// listing the members on every reconcile.
func (w *worlds) firstLive(self string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.first != "" && w.first == self
}
