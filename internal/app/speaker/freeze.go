package speaker

import (
	"context"
	"log/slog"
	"time"
)

// watchFreeze notices that this process was stopped (SIGSTOP, a paused VM)
// longer than FreezeThreshold: the monotonic clock jumps between two ticks.
// The other speakers have probably declared this node dead and answer for
// its addresses; answering too would make two nodes answer until the
// membership heals. So the node goes quiet and exchanges state with the
// others until one answers (its link may still be coming up). If they had
// declared it dead, it learns so in that exchange and refutes, and they see
// it alive again a few gossip rounds later; if not, nothing was taken over.
// Either way it then answers again with a fresh gratuitous burst, which the
// nodes that stood in hear and yield to.
func watchFreeze(ctx context.Context, o Options, log *slog.Logger, ap *applier, members Members, refuted <-chan struct{}) {
	const tick = 100 * time.Millisecond
	t := time.NewTicker(tick)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := time.Now()
		gap := now.Sub(last)
		last = now
		if gap < o.FreezeThreshold {
			continue
		}
		log.Warn("this node was frozen; quiet until the other speakers see it alive again", "frozenFor", gap.Round(time.Millisecond))
		ap.shut()
		if !rejoinAfterFreeze(ctx, members, refuted, 5*time.Second, tick) {
			log.Warn("no other speaker reached after the freeze; answering again all the same")
		}
		if ctx.Err() != nil {
			return
		}
		log.Info("answering again after the freeze")
		ap.open()
		last = time.Now()
	}
}

// rejoinAfterFreeze exchanges state with the other members until one
// answers or bound passes, and, if this member turned out to have been
// declared dead (it refuted), waits a few gossip rounds for its alive
// message to spread. It reports whether a member answered.
func rejoinAfterFreeze(ctx context.Context, members Members, refuted <-chan struct{}, bound, tick time.Duration) bool {
	select {
	case <-refuted: // from before the freeze
	default:
	}
	deadline := time.Now().Add(bound)
	for {
		if _, err := members.Resync(); err == nil {
			break
		}
		if time.Now().After(deadline) {
			return false
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(tick):
		}
	}
	// The refutation happens during the exchange; its signal may trail it.
	select {
	case <-refuted:
		time.Sleep(2 * tick)
	case <-time.After(tick / 2):
	case <-ctx.Done():
	}
	return true
}
