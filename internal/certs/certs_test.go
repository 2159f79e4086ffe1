package certs

import (
	"strings"
	"testing"
	"time"
)

func TestRenew(t *testing.T) {
	t0 := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	hosts := Hosts("farol-webhook", "farol-system", "127.0.0.1")
	p, err := New(Options{Hosts: hosts, Validity: 90 * 24 * time.Hour, Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	other, err := New(Options{Hosts: hosts, Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	day := 24 * time.Hour
	tests := map[string]struct {
		pair  Pair
		hosts []string
		now   time.Time
		want  string // fragment; "" = keep
	}{
		"fresh":                  {p, hosts, t0, ""},
		"two thirds used":        {p, hosts, t0.Add(59 * day), ""},
		"less than a third left": {p, hosts, t0.Add(61 * day), "expires in"},
		"expired":                {p, hosts, t0.Add(91 * day), "not valid for"},
		"a new host":             {p, append(hosts, "farol-webhook.other.svc"), t0, "not valid for farol-webhook.other.svc"},
		"empty":                  {Pair{}, hosts, t0, "no certificate yet"},
		"key of another pair":    {Pair{CA: p.CA, Cert: p.Cert, Key: other.Key}, hosts, t0, "do not match"},
		"CA of another pair":     {Pair{CA: other.CA, Cert: p.Cert, Key: p.Key}, hosts, t0, "not valid for"},
		"garbage CA":             {Pair{CA: []byte("x"), Cert: p.Cert, Key: p.Key}, hosts, t0, "CA does not parse"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := Renew(tc.pair, tc.hosts, tc.now)
			if (got == "") != (tc.want == "") || !strings.Contains(got, tc.want) {
				t.Fatalf("Renew = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestNewNeedsHosts(t *testing.T) {
	if _, err := New(Options{}); err == nil {
		t.Fatal("a pair without hosts was made")
	}
}
