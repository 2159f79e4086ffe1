package lab

import (
	"fmt"
	"io"
	"os"
	"strings"
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

// tail returns the last lines of a log file, which is where a process says
// why it died.
func tail(path string) string {
	const maxBytes, maxLines = 8 << 10, 25
	f, err := os.Open(path)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err.Error()
	}
	off := max(st.Size()-maxBytes, 0)
	b, err := io.ReadAll(io.NewSectionReader(f, off, st.Size()-off))
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if off > 0 && len(lines) > 1 {
		lines = lines[1:] // the first line is cut
	}
	return strings.Join(lines[max(len(lines)-maxLines, 0):], "\n")
}
