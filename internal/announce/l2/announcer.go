package l2

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/netip"
	"slices"
	"sync"

	"github.com/vishvananda/netns"
)

// Announcer answers ARP and NDP for the addresses it is told this node owns.
// Its methods are safe for concurrent use.
type Announcer struct {
	opts    Options
	log     *slog.Logger
	metrics *metrics

	// mu serialises applying: SetDesired, the resync and Close.
	mu         sync.Mutex
	want       map[netip.Addr][]string // the last desired set, re-applied by the resync
	responders map[link]*responder
	closed     bool
	// lastResyncErr is the last resync's error text, so that a lasting
	// problem is logged when it starts and ends rather than every time.
	lastResyncErr string

	ns      netns.NsHandle // where the resync runs; see resync.go
	trouble chan struct{}  // responders ask for an early resync
	done    chan struct{}
	wg      sync.WaitGroup
}

// New returns a running Announcer that owns nothing yet. It remembers the
// network namespace of the calling thread, where its resync will run. Zero
// fields of o get their defaults, except RequireSubnet: start from
// Defaults().
func New(o Options) *Announcer {
	o = o.withDefaults()
	m, err := newMetrics(o.Registry)
	if err != nil {
		o.Logger.Error("registering metrics failed", "error", err)
	}
	a := &Announcer{
		opts:       o,
		log:        o.Logger,
		metrics:    m,
		want:       map[netip.Addr][]string{},
		responders: make(map[link]*responder),
		ns:         currentNetns(o.Logger),
		trouble:    make(chan struct{}, 1),
		done:       make(chan struct{}),
	}
	a.updateGauges()
	if o.ResyncInterval > 0 {
		a.wg.Add(1)
		go a.resyncLoop()
	}
	return a
}

// SetDesired replaces the whole set of owned addresses, each with the
// interfaces to answer on (none: every suitable interface), and converges
// before returning: removed addresses are no longer answered, new ones are
// answered and their gratuitous burst has started. Addresses that cannot be
// answered anywhere are reported (ErrNoInterface, ErrInvalidAddress, socket
// errors, joined) while the rest is applied; Owned tells what is answered.
func (a *Announcer) SetDesired(want map[netip.Addr][]string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return ErrClosed
	}
	a.want = make(map[netip.Addr][]string, len(want))
	for addr, names := range want {
		a.want[addr] = slices.Clone(names)
	}
	return a.apply()
}

// Owned returns what is answered now: address to sorted interface names.
func (a *Announcer) Owned() map[netip.Addr][]string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.current().byAddress()
}

// Reannounce sends a new gratuitous burst for every address answered now:
// after this node was wrongly thought dead, neighbours and the node that
// stood in for it must learn that it answers again.
func (a *Announcer) Reannounce() {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, r := range a.responders {
		r.reannounce()
	}
}

// Close stops answering, releases every socket and waits for every goroutine
// to end. Later calls do nothing; later SetDesired calls fail with ErrClosed.
func (a *Announcer) Close() error {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return nil
	}
	a.closed = true
	close(a.done)
	a.mu.Unlock()
	a.wg.Wait() // the resync loop, which may be waiting for mu

	a.mu.Lock()
	defer a.mu.Unlock()
	var errs []error
	for _, l := range slices.SortedFunc(maps.Keys(a.responders), compareLinks) {
		errs = append(errs, a.responders[l].close())
		delete(a.responders, l)
	}
	a.updateGauges()
	if a.ns.IsOpen() {
		errs = append(errs, a.ns.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close announcer: %w", err)
	}
	return nil
}

// apply converges the responders to a.want against the interfaces as they
// are now. Removals go first, so an address moving between interfaces is
// never answered on both. The caller holds mu.
func (a *Announcer) apply() error {
	ifaces, err := listInterfaces()
	if err != nil {
		return fmt.Errorf("apply desired addresses: %w", err)
	}
	want, resolveErr := resolve(a.want, ifaces, a.opts.RequireSubnet)
	errs := []error{resolveErr}
	errs = append(errs, a.closeStale(ifaces)...)
	errs = append(errs, a.converge(diff(a.current(), want), ifaces)...)
	a.updateGauges()
	return errors.Join(errs...)
}

// converge carries out changes: removals first, so an address moving
// between interfaces is never answered on both, closing responders left
// with nothing; then additions, opening responders where needed; then it
// closes responders whose every address failed. The caller holds mu.
func (a *Announcer) converge(changes []linkChange, ifaces []ifaceInfo) []error {
	var errs []error
	for _, c := range changes {
		r := a.responders[c.link]
		if r == nil || len(c.remove) == 0 {
			continue
		}
		if err := r.remove(c.remove); err != nil {
			a.log.Warn("leaving multicast groups failed", "interface", c.link.name, "error", err)
		}
		if r.count() == 0 {
			errs = append(errs, r.close())
			delete(a.responders, c.link)
		}
	}
	byName := make(map[string]ifaceInfo, len(ifaces))
	for _, ifi := range ifaces {
		byName[ifi.Name] = ifi
	}
	for _, c := range changes {
		if len(c.add) == 0 {
			continue
		}
		r := a.responders[c.link]
		if r == nil {
			var err error
			r, err = openResponder(c.link, byName[c.link.name], responderConfig{
				log: a.log, metrics: a.metrics, opts: a.opts, trouble: a.askResync,
			})
			if err != nil {
				errs = append(errs, fmt.Errorf("answer for %v: %w", c.add, err))
				continue
			}
			a.responders[c.link] = r
		}
		if err := r.add(c.add); err != nil {
			errs = append(errs, fmt.Errorf("answer on %s: %w", c.link.name, err))
		}
	}
	return append(errs, a.closeIdle()...)
}

// closeIdle closes responders left with nothing to answer, which happens
// when every address failed to join its multicast group: the diff treats an
// empty link as absent, so it would never close them itself.
func (a *Announcer) closeIdle() []error {
	var errs []error
	for l, r := range a.responders {
		if r.count() == 0 {
			errs = append(errs, r.close())
			delete(a.responders, l)
		}
	}
	return errs
}

// closeStale closes the responders whose interface vanished or changed index
// or MAC: their sockets are dead or would announce the wrong MAC. Their
// addresses then look unowned to the diff, which reopens and re-announces.
func (a *Announcer) closeStale(ifaces []ifaceInfo) []error {
	var errs []error
	for l, r := range a.responders {
		i := slices.IndexFunc(ifaces, func(ifi ifaceInfo) bool { return ifi.Name == l.name })
		if i >= 0 && ifaces[i].Index == r.iface.Index && slices.Equal(ifaces[i].MAC, r.iface.MAC) {
			continue
		}
		a.log.Info("interface vanished or changed, dropping its responder", "interface", l.name, "family", l.fam.String())
		errs = append(errs, r.close())
		delete(a.responders, l)
	}
	return errs
}

// current is the placement the responders implement. The caller holds mu.
func (a *Announcer) current() placement {
	p := make(placement, len(a.responders))
	for l, r := range a.responders {
		if owned := r.addrs(); len(owned) > 0 {
			p[l] = owned
		}
	}
	return p
}

func (a *Announcer) updateGauges() {
	for fam, n := range a.current().countByFamily() {
		a.metrics.owned.WithLabelValues(fam.String()).Set(float64(n))
	}
}
