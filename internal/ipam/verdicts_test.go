package ipam

import (
	"slices"
	"testing"
)

// TestPoolVerdicts checks each refusal, the order, and that the first pool
// accepted is the one Assign chooses when it has room.
func TestPoolVerdicts(t *testing.T) {
	svc := Service{Key: "ns/a", Namespace: "ns", Labels: map[string]string{"app": "web"}}
	v4 := Request{Families: []Family{IPv4}}
	tests := map[string]struct {
		pools []Pool
		req   Request
		// want is each pool in order with its refusal ("" accepted).
		want [][2]string
	}{
		"priority then name": {
			[]Pool{pool("b", "10.0.1.0/30"), pool("a", "10.0.0.0/30"), pool("c", "10.0.2.0/30", prio(-1))}, v4,
			[][2]string{{"c", ""}, {"a", ""}, {"b", ""}},
		},
		"each refusal": {
			[]Pool{
				pool("1-disabled", "10.0.1.0/30", disabled),
				pool("2-manual", "10.0.2.0/30", manual),
				pool("3-ns", "10.0.3.0/30", namespaces("other")),
				pool("4-nssel", "10.0.4.0/30", nsSelector("team=x")),
				pool("5-svcsel", "10.0.5.0/30", svcSelector("app=db")),
				pool("6-ok", "10.0.6.0/30"),
			}, v4,
			[][2]string{{"1-disabled", "disabled"}, {"2-manual", "autoAssign=false"}, {"3-ns", `namespace "ns" not allowed`},
				{"4-nssel", "namespace labels do not match"}, {"5-svcsel", "service labels do not match"}, {"6-ok", ""}},
		},
		"named pool, manual allowed": {
			[]Pool{pool("a", "10.0.0.0/30"), pool("b", "10.0.1.0/30", manual)}, Request{Families: []Family{IPv4}, Pool: "b"},
			[][2]string{{"a", `the Service asks for pool "b"`}, {"b", ""}},
		},
		"requested address": {
			[]Pool{pool("a", "10.0.0.0/30"), pool("b", "10.0.1.0/30", manual)}, Request{Families: []Family{IPv4}, Addresses: addrs("10.0.1.1")},
			[][2]string{{"a", "the Service asks for 10.0.1.1, which is not in this pool"}, {"b", ""}},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			a := New()
			if err := a.SetPools(tc.pools); err != nil {
				t.Fatal(err)
			}
			var got [][2]string
			first := ""
			for _, v := range a.PoolVerdicts(svc, tc.req) {
				got = append(got, [2]string{v.Pool, v.Refused})
				if v.Refused == "" && first == "" {
					first = v.Pool
				}
				if v.Usage[IPv4].Capacity == nil {
					t.Errorf("%s: no IPv4 usage", v.Pool)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("verdicts\n got %q\nwant %q", got, tc.want)
			}
			as, err := a.Assign(svc, tc.req)
			if err != nil || as.Pool != first {
				t.Fatalf("Assign = %v, %v; the first pool accepted is %q", as, err, first)
			}
		})
	}
}
