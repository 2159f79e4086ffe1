package membership

import (
	"bytes"
	"context"
	"log"
	"log/slog"
)

// logBridge turns memberlist's log.Logger lines ("[WARN] memberlist: ...")
// into slog records. Everything goes out at debug level, as memberlist
// reports routine events of a failing peer as [ERR]; its own level is kept
// in the memberlistLevel attribute for filtering.
//
// The bridge also watches for memberlist refuting an accusation against
// this member: memberlist reports that only in its log ("Refuting a dead
// message", "Refuting a suspect message"), and it means some members took
// this one for dead or nearly so, so its addresses may have been claimed
// by others meanwhile. TestRefutedAfterFreeze pins the wording.
type logBridge struct {
	log      *slog.Logger
	refuting func()
}

var refutingPrefix = []byte("memberlist: Refuting a ")

func newStdLogger(l *slog.Logger, refuting func()) *log.Logger {
	return log.New(logBridge{l, refuting}, "", 0)
}

func (b logBridge) Write(p []byte) (int, error) {
	if b.refuting != nil && bytes.Contains(p, refutingPrefix) &&
		(bytes.Contains(p, []byte("dead message")) || bytes.Contains(p, []byte("suspect message"))) {
		b.refuting()
	}
	if !b.log.Enabled(context.Background(), slog.LevelDebug) {
		return len(p), nil
	}
	line := bytes.TrimRight(p, "\n")
	level := ""
	if rest, ok := bytes.CutPrefix(line, []byte("[")); ok {
		if lvl, msg, ok := bytes.Cut(rest, []byte("] ")); ok {
			level, line = string(lvl), msg
		}
	}
	line = bytes.TrimPrefix(line, []byte("memberlist: "))
	b.log.Debug(string(line), "memberlistLevel", level)
	return len(p), nil
}
