// Package memlimit gives the Go runtime a soft memory limit below the
// container's, so that a speaker or controller whose caches grow with the
// cluster collects garbage more often instead of being OOM-killed, and
// stays near its live heap instead of at twice it (GOGC=100's default).
//
// The limit is read from the cgroup the process runs in (v2, then v1);
// GOMEMLIMIT, when set, wins: the runtime has already applied it.
package memlimit

import (
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// Fraction of the container's limit given to the Go heap and runtime; the
// rest is for memory the runtime does not count (thread stacks of cgo
// calls, the binary's text) and for the GC's own lag.
const Fraction = 0.9

// cgroupFiles hold the container's memory limit, cgroup v2 first.
var cgroupFiles = []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}

// Set applies Fraction of the cgroup's memory limit as the runtime's soft
// limit and returns it; 0 when GOMEMLIMIT is set or there is no limit.
func Set() (int64, error) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return 0, nil
	}
	for _, f := range cgroupFiles {
		b, err := os.ReadFile(f)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("read %s: %w", f, err)
		}
		limit, err := Parse(string(b))
		if err != nil {
			return 0, fmt.Errorf("%s: %w", f, err)
		}
		if limit == 0 {
			return 0, nil
		}
		soft := int64(float64(limit) * Fraction)
		debug.SetMemoryLimit(soft)
		return soft, nil
	}
	return 0, nil
}

// noLimit is what cgroup v1 reports for "unlimited": the largest multiple
// of the page size below 2^63.
const noLimit = 1 << 62

// Parse reads a cgroup memory limit: bytes, or "max" (v2) or a huge number
// (v1) for none, which return 0.
func Parse(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "max" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("memory limit %q: want a positive number of bytes or \"max\"", s)
	}
	if n >= noLimit {
		return 0, nil
	}
	return n, nil
}

// SpeakerGCPercent is the speaker's GOGC unless the environment sets one.
// A speaker runs on every node, so its memory is paid once per node, while
// it makes little garbage once its caches are filled: collecting at 50%
// heap growth instead of 100% keeps its RSS near 1.5 times the live heap
// for a few more collections at start-up and during churn.
const SpeakerGCPercent = 50

// SpeakerGC applies SpeakerGCPercent unless GOGC is set; it reports
// whether it did.
func SpeakerGC() bool {
	if os.Getenv("GOGC") != "" {
		return false
	}
	debug.SetGCPercent(SpeakerGCPercent)
	return true
}
