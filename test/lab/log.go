package lab

import (
	"fmt"
	"time"
)

// logf writes a progress line to Options.Log.
func (l *Lab) logf(format string, args ...any) {
	fmt.Fprintf(l.opts.Log, "lab %s: %s\n", l.Prefix, fmt.Sprintf(format, args...))
}

// since formats the time elapsed since t for progress lines.
func since(t time.Time) string {
	return time.Since(t).Round(time.Millisecond).String()
}
