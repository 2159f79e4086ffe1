package bgp

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"

	api "github.com/osrg/gobgp/v4/api"
)

// exportLocal is the policy that lets our own paths out; with the global
// export default of reject it is also what keeps learned routes in.
const exportLocal = "farol-export-local"

// installExportPolicy sets the global export policy: local routes go out,
// nothing else does. The caller holds mu, or New runs alone.
func (a *Announcer) installExportPolicy(ctx context.Context) error {
	err := a.bgp.AddPolicy(ctx, &api.AddPolicyRequest{Policy: &api.Policy{
		Name: exportLocal,
		Statements: []*api.Statement{{
			Name:       exportLocal,
			Conditions: &api.Conditions{RouteType: api.Conditions_ROUTE_TYPE_LOCAL},
			Actions:    &api.Actions{RouteAction: api.RouteAction_ROUTE_ACTION_ACCEPT},
		}},
	}})
	if err != nil {
		return fmt.Errorf("add export policy: %w", err)
	}
	return a.assignExport(ctx)
}

// assignExport makes the global export chain: every peer's deny policy,
// then exportLocal, then reject. The caller holds mu.
func (a *Announcer) assignExport(ctx context.Context) error {
	var policies []*api.Policy
	ids := make([]int, 0, len(a.peers))
	for _, e := range a.peers {
		ids = append(ids, e.id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		policies = append(policies, &api.Policy{Name: policyName(id)})
	}
	policies = append(policies, &api.Policy{Name: exportLocal})
	return a.assign(ctx, policies)
}

func (a *Announcer) assign(ctx context.Context, policies []*api.Policy) error {
	err := a.bgp.SetPolicyAssignment(ctx, &api.SetPolicyAssignmentRequest{Assignment: &api.PolicyAssignment{
		Name:          "global",
		Direction:     api.PolicyDirection_POLICY_DIRECTION_EXPORT,
		Policies:      policies,
		DefaultAction: api.RouteAction_ROUTE_ACTION_REJECT,
	}})
	if err != nil {
		return fmt.Errorf("assign export policy: %w", err)
	}
	return nil
}

func policyName(id int) string   { return fmt.Sprintf("farol-peer-%d", id) }
func neighborSet(id int) string  { return fmt.Sprintf("farol-peer-%d-neighbor", id) }
func denySet(id, fam int) string { return fmt.Sprintf("farol-peer-%d-deny-v%d", id, fam) }
func families() []int            { return []int{4, 6} }

func family(p netip.Prefix) int {
	if p.Addr().Is4() {
		return 4
	}
	return 6
}

// addPeerPolicy creates the policy that rejects, towards e's peer, the
// paths not meant for it: a neighbor set holding its address, a prefix set
// per family (GoBGP's prefix sets hold one family each) filled with the
// current such paths, one statement per family. assignExport puts it in
// force once e is in a.peers. The caller holds mu.
func (a *Announcer) addPeerPolicy(ctx context.Context, e *peerEntry) error {
	nbr := netip.PrefixFrom(e.peer.Address, e.peer.Address.BitLen())
	err := a.bgp.AddDefinedSet(ctx, &api.AddDefinedSetRequest{DefinedSet: &api.DefinedSet{
		DefinedType: api.DefinedType_DEFINED_TYPE_NEIGHBOR, Name: neighborSet(e.id), List: []string{nbr.String()},
	}})
	if err != nil {
		return fmt.Errorf("add neighbor set for peer %s: %w", e.peer.Name, err)
	}
	pol := &api.Policy{Name: policyName(e.id)}
	for _, fam := range families() {
		var deny []netip.Prefix
		for pfx, p := range a.paths {
			if family(pfx) == fam && !p.goesTo(e.peer.Name) {
				deny = append(deny, pfx)
			}
		}
		if err := a.bgp.AddDefinedSet(ctx, &api.AddDefinedSetRequest{DefinedSet: prefixSet(denySet(e.id, fam), deny)}); err != nil {
			return fmt.Errorf("add prefix set for peer %s: %w", e.peer.Name, err)
		}
		pol.Statements = append(pol.Statements, &api.Statement{
			Name: fmt.Sprintf("%s-v%d", policyName(e.id), fam),
			Conditions: &api.Conditions{
				NeighborSet: &api.MatchSet{Type: api.MatchSet_TYPE_ANY, Name: neighborSet(e.id)},
				PrefixSet:   &api.MatchSet{Type: api.MatchSet_TYPE_ANY, Name: denySet(e.id, fam)},
			},
			Actions: &api.Actions{RouteAction: api.RouteAction_ROUTE_ACTION_REJECT},
		})
	}
	if err := a.bgp.AddPolicy(ctx, &api.AddPolicyRequest{Policy: pol}); err != nil {
		return fmt.Errorf("add policy for peer %s: %w", e.peer.Name, err)
	}
	return nil
}

// removePeerPolicy undoes addPeerPolicy once e is no longer in a.peers.
// The caller holds mu.
func (a *Announcer) removePeerPolicy(ctx context.Context, e *peerEntry) error {
	errs := []error{a.assignExport(ctx)}
	if err := a.bgp.DeletePolicy(ctx, &api.DeletePolicyRequest{Policy: &api.Policy{Name: policyName(e.id)}, All: true}); err != nil {
		errs = append(errs, fmt.Errorf("delete policy for peer %s: %w", e.peer.Name, err))
	}
	sets := []*api.DefinedSet{{DefinedType: api.DefinedType_DEFINED_TYPE_NEIGHBOR, Name: neighborSet(e.id)}}
	for _, fam := range families() {
		sets = append(sets, &api.DefinedSet{DefinedType: api.DefinedType_DEFINED_TYPE_PREFIX, Name: denySet(e.id, fam)})
	}
	for _, s := range sets {
		if err := a.bgp.DeleteDefinedSet(ctx, &api.DeleteDefinedSetRequest{DefinedSet: s, All: true}); err != nil {
			errs = append(errs, fmt.Errorf("delete %s: %w", s.Name, err))
		}
	}
	return errors.Join(errs...)
}

// restrict adds pfx to the deny sets of the peers in deny and removes it
// from those in allow. GoBGP's conditions hold the sets themselves, so the
// policies see the change at once. The caller holds mu.
func (a *Announcer) restrict(ctx context.Context, pfx netip.Prefix, p Path) error {
	var errs []error
	for name, e := range a.peers {
		set := prefixSet(denySet(e.id, family(pfx)), []netip.Prefix{pfx})
		var err error
		if p.goesTo(name) {
			err = a.bgp.DeleteDefinedSet(ctx, &api.DeleteDefinedSetRequest{DefinedSet: set})
		} else {
			err = a.bgp.AddDefinedSet(ctx, &api.AddDefinedSetRequest{DefinedSet: set})
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("filter %v for peer %s: %w", pfx, name, err))
		}
	}
	return errors.Join(errs...)
}

func prefixSet(name string, prefixes []netip.Prefix) *api.DefinedSet {
	s := &api.DefinedSet{DefinedType: api.DefinedType_DEFINED_TYPE_PREFIX, Name: name}
	for _, p := range prefixes {
		s.Prefixes = append(s.Prefixes, &api.Prefix{
			IpPrefix: p.String(), MaskLengthMin: uint32(p.Bits()), MaskLengthMax: uint32(p.Bits()),
		})
	}
	return s
}
