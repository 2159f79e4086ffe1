// Package poll waits for conditions in tests that talk to real components,
// which converge in their own time.
package poll

import (
	"testing"
	"time"
)

// Until polls cond every 50 ms until it returns "" (success) or timeout
// passes, then fails the test with what and cond's last explanation.
func Until(t testing.TB, what string, timeout time.Duration, cond func() string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		last := cond()
		if last == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s: %s", what, timeout, last)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
