package integration

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
	"github.com/farol-lb/farol/internal/app/controller"
	"github.com/farol-lb/farol/test/gen"
)

// logLines keeps a controller's log lines, decoded, for tests that read
// the story an operator would read.
type logLines struct {
	mu    sync.Mutex
	lines []map[string]any
}

func (l *logLines) logger() logr.Logger {
	return funcr.NewJSON(func(obj string) {
		var m map[string]any
		if err := json.Unmarshal([]byte(obj), &m); err != nil {
			m = map[string]any{"msg": "undecodable: " + obj}
		}
		l.mu.Lock()
		defer l.mu.Unlock()
		l.lines = append(l.lines, m)
	}, funcr.Options{})
}

// find returns the info lines with the message and every key=value given.
func (l *logLines) find(msg string, kv map[string]string) []map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for _, line := range l.lines {
		if line["msg"] != msg || line["level"] != float64(0) {
			continue
		}
		match := true
		for k, v := range kv {
			if fmt.Sprint(line[k]) != v {
				match = false
			}
		}
		if match {
			out = append(out, line)
		}
	}
	return out
}

// TestDecisionLogs: every allocation decision is one info line with the
// keys service, address and pool: allocated, allocation failed (with its
// reason), released, orphan kept; retrying the same failure or orphan
// does not repeat it.
func TestDecisionLogs(t *testing.T) {
	e := newEnv(t)
	e.createPool(gen.Pool("logs", []string{"10.82.0.0/30"}))
	logs := &logLines{}
	_, reg := e.startController(func(o *controller.Options) { o.Logger = logs.logger() })
	svc := func(name string) string { return e.ns + "/" + name }
	want := func(n int, msg string, kv map[string]string) {
		t.Helper()
		e.eventually(fmt.Sprintf("%d %q lines with %v", n, msg, kv), 10*time.Second, func() string {
			if got := logs.find(msg, kv); len(got) != n {
				return fmt.Sprintf("have %d: %v", len(got), got)
			}
			return ""
		})
	}

	e.createService(gen.Service("a"))
	a := e.waitAddresses("a", 1)[0]
	want(1, "allocated", map[string]string{"service": svc("a"), "address": a, "pool": "logs"})

	e.createService(gen.Service("lost", gen.WithPool("nowhere")))
	want(1, "allocation failed", map[string]string{"service": svc("lost"), "reason": "UnknownPool"})

	e.createService(gen.Service("b"))
	b := e.waitAddresses("b", 1)[0]
	e.updatePool("logs", func(p *farolv1.AddressPool) {
		p.Spec.Addresses = nil
		for _, r := range without("10.82.0.0", "10.82.0.3", b) {
			p.Spec.Addresses = append(p.Spec.Addresses, farolv1.AddressRange(r))
		}
	})
	want(1, "orphan kept", map[string]string{"service": svc("b"), "address": b, "pool": "logs"})

	// The pool edit retried "lost" (and "b"): the same failure and the
	// same orphan are not told again.
	e.eventually("lost retried", 10*time.Second, func() string {
		if n := counterValue(t, reg, "farol_allocation_failures_total", "reason", "UnknownPool"); n < 2 {
			return fmt.Sprintf("%v attempts", n)
		}
		return ""
	})
	if err := e.c.Delete(e.ctx, e.service("a")); err != nil {
		t.Fatal(err)
	}
	want(1, "released", map[string]string{"service": svc("a"), "address": a, "pool": "logs"})
	for msg, name := range map[string]string{"allocated": "a", "allocation failed": "lost", "orphan kept": "b"} {
		if got := logs.find(msg, map[string]string{"service": svc(name)}); len(got) != 1 {
			t.Errorf("%d %q lines for %s, want 1: %v", len(got), msg, name, got)
		}
	}
}
