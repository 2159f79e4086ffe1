package membership

import (
	"net/netip"
	"slices"
	"sync"

	"github.com/hashicorp/memberlist"
)

// view is the set of live members as memberlist's events report them. It
// is kept here rather than read from Memberlist.Members, which returns
// pointers into memberlist's own state that it rewrites on every alive
// message: reading their addresses races (the race detector shows it).
// memberlist calls the event methods with its node lock held, one at a
// time and in order, and they must not call back into it.
type view struct {
	self   string
	notify func()
	kick   chan struct{} // buffer 1: welcomes are waiting

	mu      sync.Mutex
	live    map[string]netip.AddrPort // name → address
	proto   map[string]int            // name → published protocol
	welcome []netip.AddrPort          // members that joined since the last welcome round
}

// maxWelcome bounds the welcome queue; a burst larger than this (a
// partition of hundreds of nodes healing) is served by the rejoin rounds.
const maxWelcome = 64

var _ memberlist.EventDelegate = (*view)(nil)

func newView(self string, notify func()) *view {
	return &view{self: self, notify: notify, kick: make(chan struct{}, 1), live: map[string]netip.AddrPort{}, proto: map[string]int{}}
}

// NotifyJoin also covers a member coming back at a new address: memberlist
// only accepts an address change for a dead or left member, and reports it
// as a join. The member is queued for a welcome (see Members.welcome).
func (v *view) NotifyJoin(n *memberlist.Node) {
	a := v.set(n)
	if n.Name == v.self {
		return
	}
	v.mu.Lock()
	if len(v.welcome) < maxWelcome {
		v.welcome = append(v.welcome, a)
	}
	v.mu.Unlock()
	select {
	case v.kick <- struct{}{}:
	default:
	}
}

func (v *view) NotifyUpdate(n *memberlist.Node) { v.set(n) }

func (v *view) NotifyLeave(n *memberlist.Node) {
	v.mu.Lock()
	delete(v.live, n.Name)
	delete(v.proto, n.Name)
	v.mu.Unlock()
	v.notify()
}

func (v *view) set(n *memberlist.Node) netip.AddrPort {
	a, _ := netip.AddrFromSlice(n.Addr)
	ap := netip.AddrPortFrom(a.Unmap(), n.Port)
	v.mu.Lock()
	v.live[n.Name] = ap
	v.proto[n.Name] = protocolOf(n.Meta)
	v.mu.Unlock()
	v.notify()
	return ap
}

// takeWelcome empties the welcome queue and returns it, with the number of
// live members.
func (v *view) takeWelcome() ([]netip.AddrPort, int) {
	v.mu.Lock()
	defer v.mu.Unlock()
	w := v.welcome
	v.welcome = nil
	return w, len(v.live)
}

// names returns the live members' names, sorted.
func (v *view) names() []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	names := make([]string, 0, len(v.live))
	for n := range v.live {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// addrs returns the live members' addresses.
func (v *view) addrs() map[netip.AddrPort]bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := make(map[netip.AddrPort]bool, len(v.live))
	for _, a := range v.live {
		out[a] = true
	}
	return out
}

// protocols returns the live members' published protocols.
func (v *view) protocols() map[string]int {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := make(map[string]int, len(v.live))
	for n := range v.live {
		out[n] = v.proto[n]
	}
	return out
}
