package speaker

import (
	"context"
	"log/slog"
	"maps"
	"net/netip"
	"slices"
	"sync"

	"github.com/farol-lb/farol/internal/announce/bgp"
	"github.com/farol-lb/farol/internal/decision"
)

// BGP is the part of the BGP announcer the speaker uses.
type BGP interface {
	SetPeers(ctx context.Context, peers []bgp.Peer) error
	Change(ctx context.Context, set []bgp.Path, unset []netip.Prefix) error
	Shutdown(ctx context.Context) error
}

var _ BGP = (*bgp.Announcer)(nil)

// bgpApplier carries out this node's BGP announcements: one path per
// prefix, merged from every Service that wants it (several addresses of a
// pool can share one aggregate). Only the prefixes a Service's change
// touches are handed to the announcer, which itself skips paths that did
// not change and normalises the lists; so one Service's change never
// touches the others' routes, and no session is reset by it.
type bgpApplier struct {
	ann BGP
	ctx context.Context
	log *slog.Logger

	mu sync.Mutex
	// frozen: the speaker is stopping; its last routes stay as they are
	// for bgpMode.stop to withdraw or keep (graceful restart).
	frozen    bool
	byService map[string][]bgp.Path                // what each Service wants
	byPrefix  map[netip.Prefix]map[string]bgp.Path // prefix -> Service -> path
}

var _ modeApplier = (*bgpApplier)(nil)

func newBGPApplier(ctx context.Context, ann BGP, log *slog.Logger) *bgpApplier {
	return &bgpApplier{ann: ann, ctx: ctx, log: log, byService: map[string][]bgp.Path{},
		byPrefix: map[netip.Prefix]map[string]bgp.Path{}}
}

// set replaces a Service's BGP announcements made by this node.
func (b *bgpApplier) set(service string, mine []decision.Announcement) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.frozen {
		return
	}
	touched := map[netip.Prefix]bool{}
	for _, p := range b.byService[service] {
		touched[p.Prefix] = true
		delete(b.byPrefix[p.Prefix], service)
	}
	paths := map[netip.Prefix]bgp.Path{}
	for _, a := range mine {
		if a.Route == nil {
			continue
		}
		p := pathOf(a.Route)
		if old, ok := paths[p.Prefix]; ok {
			p = merge(old, p)
		}
		paths[p.Prefix] = p
	}
	b.byService[service] = slices.Collect(maps.Values(paths))
	if len(paths) == 0 {
		delete(b.byService, service)
	}
	for pfx, p := range paths {
		touched[pfx] = true
		if b.byPrefix[pfx] == nil {
			b.byPrefix[pfx] = map[string]bgp.Path{}
		}
		b.byPrefix[pfx][service] = p
	}
	var set []bgp.Path
	var unset []netip.Prefix
	for pfx := range touched {
		wants := b.byPrefix[pfx]
		if len(wants) == 0 {
			delete(b.byPrefix, pfx)
			unset = append(unset, pfx)
			continue
		}
		var eff bgp.Path
		for i, svc := range slices.Sorted(maps.Keys(wants)) {
			if i == 0 {
				eff = wants[svc]
			} else {
				eff = merge(eff, wants[svc])
			}
		}
		set = append(set, eff)
	}
	if len(set) == 0 && len(unset) == 0 {
		return
	}
	if err := b.ann.Change(b.ctx, set, unset); err != nil {
		b.log.Error("bgp paths not changed", "service", service, "error", err)
	}
}

// freeze ignores every later decision. A stopping speaker leaves the
// membership first, and the others' decisions (and its own) then drop
// this node's routes one Service at a time; bgpMode.stop instead withdraws
// them all at once before the sessions close, or, with graceful restart,
// keeps them at the routers until the speaker is back.
func (b *bgpApplier) freeze() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.frozen = true
}

// pathOf is the announcer's path for a decided route.
func pathOf(r *decision.Route) bgp.Path {
	p := bgp.Path{Prefix: r.Prefix, Peers: slices.Clone(r.Peers)}
	for _, c := range r.Communities {
		if c.Large {
			p.LargeCommunities = append(p.LargeCommunities, bgp.LargeCommunity{ASN: c.A, LocalData1: c.B, LocalData2: c.C})
		} else {
			p.Communities = append(p.Communities, c.Standard())
		}
	}
	if r.LocalPref != nil {
		p.LocalPref = *r.LocalPref
	}
	return p
}

// merge combines two wants of one prefix: every community of both, the
// higher local preference, and every peer of both (none means all, which
// wins). The announcer sorts and de-duplicates the lists.
func merge(a, b bgp.Path) bgp.Path {
	out := a
	out.Communities = append(slices.Clone(a.Communities), b.Communities...)
	out.LargeCommunities = append(slices.Clone(a.LargeCommunities), b.LargeCommunities...)
	out.LocalPref = max(a.LocalPref, b.LocalPref)
	if len(a.Peers) == 0 || len(b.Peers) == 0 {
		out.Peers = nil
	} else {
		out.Peers = append(slices.Clone(a.Peers), b.Peers...)
	}
	return out
}
