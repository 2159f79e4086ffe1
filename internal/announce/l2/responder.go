package l2

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Read errors back off from first to max, so that a socket on a vanished
// interface neither spins nor stays silent for long after the interface is
// back.
const (
	readBackoffFirst = 100 * time.Millisecond
	readBackoffMax   = 5 * time.Second
)

// responder answers for the owned addresses of one family on one interface:
// one goroutine reads requests and replies, one sends the gratuitous bursts
// and refreshes.
type responder struct {
	link  link
	iface ifaceInfo // as it was when opened: a new index or MAC means reopen
	wire  wire
	log   *slog.Logger

	requests, replies, gratuitous prometheus.Counter

	// mu guards owned and sched. Replies and announcements are sent under
	// the read lock and after checking owned, so once remove returns, no
	// packet for the removed address is sent any more.
	mu    sync.RWMutex
	owned map[netip.Addr]struct{}
	sched *schedule

	trouble func() // asks the Announcer for a resync; must not block
	claimed func(netip.Addr, net.HardwareAddr)
	kick    chan struct{}
	done    chan struct{}
	wg      sync.WaitGroup
}

type responderConfig struct {
	log     *slog.Logger
	metrics *metrics
	opts    Options
	trouble func()
}

func openResponder(l link, ifi ifaceInfo, cfg responderConfig) (*responder, error) {
	var (
		w   wire
		err error
	)
	switch l.fam {
	case famIPv4:
		w, err = openARP(ifi)
	case famIPv6:
		w, err = openNDP(ifi)
	default:
		err = fmt.Errorf("unknown family %d", l.fam)
	}
	if err != nil {
		return nil, err
	}
	labels := []string{l.name, l.fam.String()}
	r := &responder{
		link:       l,
		iface:      ifi,
		wire:       w,
		log:        cfg.log.With("interface", l.name, "family", l.fam.String()),
		requests:   cfg.metrics.requests.WithLabelValues(labels...),
		replies:    cfg.metrics.replies.WithLabelValues(labels...),
		gratuitous: cfg.metrics.gratuitous.WithLabelValues(labels...),
		owned:      make(map[netip.Addr]struct{}),
		sched:      newSchedule(cfg.opts.GratuitousCount, cfg.opts.GratuitousInterval, cfg.opts.RefreshInterval),
		trouble:    cfg.trouble,
		claimed:    cfg.opts.Claimed,
		kick:       make(chan struct{}, 1),
		done:       make(chan struct{}),
	}
	r.wg.Add(2)
	go r.readLoop()
	go r.announceLoop()
	r.log.Info("responder started")
	return r, nil
}

// add starts answering for addrs and schedules their gratuitous burst. An
// address whose multicast group cannot be joined is left out and reported.
func (r *responder) add(addrs []netip.Addr) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	var errs []error
	now := time.Now()
	for _, a := range addrs {
		if _, ok := r.owned[a]; ok {
			continue
		}
		if err := r.wire.join(a); err != nil {
			errs = append(errs, err)
			continue
		}
		r.owned[a] = struct{}{}
		r.sched.add(a, now)
		r.log.Debug("answering", "address", a)
	}
	select {
	case r.kick <- struct{}{}:
	default:
	}
	return errors.Join(errs...)
}

// remove stops answering for addrs before it returns.
func (r *responder) remove(addrs []netip.Addr) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	var errs []error
	for _, a := range addrs {
		if _, ok := r.owned[a]; !ok {
			continue
		}
		delete(r.owned, a)
		r.sched.remove(a)
		// Failing to leave a group only costs a few ignored solicitations.
		errs = append(errs, r.wire.leave(a))
		r.log.Debug("no longer answering", "address", a)
	}
	return errors.Join(errs...)
}

// count returns the number of owned addresses.
func (r *responder) count() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.owned)
}

// has reports whether addr is owned.
func (r *responder) has(addr netip.Addr) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	_, ok := r.owned[addr]
	return ok
}

// addrs returns a copy of the owned set.
func (r *responder) addrs() map[netip.Addr]struct{} {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make(map[netip.Addr]struct{}, len(r.owned))
	for a := range r.owned {
		out[a] = struct{}{}
	}
	return out
}

// close stops both goroutines and waits for them.
func (r *responder) close() error {
	close(r.done)
	err := r.wire.close() // unblocks the read loop
	r.wg.Wait()
	r.log.Info("responder stopped")
	if err != nil {
		return fmt.Errorf("close %s responder on %s: %w", r.link.fam, r.link.name, err)
	}
	return nil
}

func (r *responder) stopping() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

func (r *responder) readLoop() {
	defer r.wg.Done()
	backoff := readBackoffFirst
	for {
		req, err := r.wire.receive()
		if r.stopping() {
			return
		}
		if err != nil {
			// Typically ENETDOWN: the interface went down or away. The
			// socket recovers if it comes back; a resync closes the
			// responder if it does not.
			r.log.Warn("receive failed, retrying", "error", err, "retryIn", backoff)
			r.trouble()
			select {
			case <-r.done:
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, readBackoffMax)
			continue
		}
		backoff = readBackoffFirst
		if req.claim {
			if r.claimed != nil {
				r.claimed(req.target, req.senderMAC)
			}
			continue
		}
		r.answer(req)
	}
}

func (r *responder) answer(req request) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if _, ok := r.owned[req.target]; !ok {
		return
	}
	r.requests.Inc()
	if err := r.wire.reply(req); err != nil {
		r.log.Warn("reply failed", "address", req.target, "to", req.sender, "error", err)
		return
	}
	r.replies.Inc()
	r.log.Debug("replied", "address", req.target, "to", req.sender)
}

func (r *responder) announceLoop() {
	defer r.wg.Done()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		wake := r.announceDue()
		var tick <-chan time.Time
		if !wake.IsZero() {
			timer.Reset(time.Until(wake))
			tick = timer.C
		}
		select {
		case <-r.done:
			return
		case <-r.kick:
		case <-tick:
		}
	}
}

// announceDue sends what the schedule says is due and returns when to wake.
// It holds the write lock so that the schedule and the sends agree with
// owned; the sends take microseconds.
func (r *responder) announceDue() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	addrs, wake := r.sched.due(time.Now())
	for _, a := range addrs {
		n, err := r.wire.announce(a)
		r.gratuitous.Add(float64(n))
		if err != nil {
			r.log.Warn("gratuitous announcement failed", "address", a, "error", err)
			continue
		}
		r.log.Debug("announced", "address", a)
	}
	return wake
}

// reannounce restarts the gratuitous burst of every owned address.
func (r *responder) reannounce() {
	r.mu.Lock()
	now := time.Now()
	for a := range r.owned {
		r.sched.add(a, now)
	}
	r.mu.Unlock()
	select {
	case r.kick <- struct{}{}:
	default:
	}
}
