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
type logBridge struct{ log *slog.Logger }

func newStdLogger(l *slog.Logger) *log.Logger {
	return log.New(logBridge{l}, "", 0)
}

func (b logBridge) Write(p []byte) (int, error) {
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
