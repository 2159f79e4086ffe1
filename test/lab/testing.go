package lab

import "testing"

// StartT starts a lab for one test and stops it when the test ends. It
// fails the test, never skips it, when the lab cannot start: missing
// binaries (hack/bins.sh), tools (hack/deps.sh) or root privileges are
// failures. Progress lines go to the test's output unless o.Log is set.
func StartT(t testing.TB, o Options) *Lab {
	t.Helper()
	if o.Log == nil {
		o.Log = t.Output()
	}
	l, err := Start(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := l.Stop(); err != nil {
			t.Error(err)
		}
	})
	return l
}
