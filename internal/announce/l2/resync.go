package l2

import (
	"log/slog"
	"runtime"
	"time"

	"github.com/vishvananda/netns"
)

// resyncLoop re-applies the desired set every ResyncInterval, and soon after
// a responder reports trouble, so that interface changes are picked up
// without the caller's help.
func (a *Announcer) resyncLoop() {
	defer a.wg.Done()
	if !a.enterNetns() {
		return
	}
	ticker := time.NewTicker(a.opts.ResyncInterval)
	defer ticker.Stop()
	for {
		select {
		case <-a.done:
			return
		case <-ticker.C:
		case <-a.trouble:
			// Let a burst of failures (an interface going away) settle.
			select {
			case <-a.done:
				return
			case <-time.After(readBackoffFirst):
			}
		}
		a.resync()
	}
}

func (a *Announcer) resync() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return
	}
	// The same unplaceable address fails every resync; say so once.
	err := a.apply()
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	switch {
	case msg == a.lastResyncErr:
	case err != nil:
		a.log.Warn("resync incomplete", "error", err)
	default:
		a.log.Info("resync complete again")
	}
	a.lastResyncErr = msg
}

// askResync is the responders' trouble callback.
func (a *Announcer) askResync() {
	select {
	case a.trouble <- struct{}{}:
	default:
	}
}

// currentNetns remembers the calling thread's network namespace. Sockets
// and interface lists belong to the namespace of the thread that asks for
// them, and a goroutine can land on any thread; if New was called on a
// thread moved into another namespace (a test harness, a speaker serving
// several namespaces), the resync must go there too, or it would see the
// wrong interfaces and open sockets on them.
func currentNetns(log *slog.Logger) netns.NsHandle {
	h, err := netns.Get()
	if err != nil {
		log.Warn("cannot read the network namespace; resync will use the thread's own", "error", err)
		return netns.None()
	}
	return h
}

// enterNetns pins the resync goroutine to a thread in the Announcer's
// namespace, and reports whether it may run. The thread is only switched
// (which needs CAP_SYS_ADMIN) when it is elsewhere, which in the speaker's
// usual single-namespace life it never is; a switched thread stays locked
// and is discarded when the goroutine ends, never returned to the scheduler.
func (a *Announcer) enterNetns() bool {
	if !a.ns.IsOpen() {
		return true
	}
	runtime.LockOSThread()
	here, err := netns.Get()
	if err == nil {
		defer here.Close()
		if here.Equal(a.ns) {
			runtime.UnlockOSThread()
			return true
		}
	}
	if err := netns.Set(a.ns); err != nil {
		a.log.Error("cannot enter the announcer's network namespace; resync disabled", "error", err)
		return false
	}
	return true
}
