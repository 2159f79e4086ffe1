package integration

import (
	"fmt"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
	"github.com/farol-lb/farol/test/gen"
)

// TestPoolValidation applies bad AddressPools to the real API server: each
// must be refused at apply time with a message that names the field.
func TestPoolValidation(t *testing.T) {
	e := newEnv(t)
	bad := map[string]struct {
		pool  *farolv1.AddressPool
		field string // must appear in the error
		why   string // must appear in the error
	}{
		"no addresses":             {gen.Pool("v-empty", nil), "spec.addresses", "Required"},
		"empty list":               {gen.Pool("v-emptylist", []string{}), "spec.addresses", ""},
		"empty string":             {gen.Pool("v-emptystr", []string{""}), "spec.addresses[0]", ""},
		"garbage":                  {gen.Pool("v-garbage", []string{"banana"}), "spec.addresses[0]", "must be a CIDR"},
		"v4 host bits":             {gen.Pool("v-hostbits4", []string{"10.0.0.1/24"}), "spec.addresses[0]", "host bits"},
		"v6 host bits":             {gen.Pool("v-hostbits6", []string{"2001:db8::1/120"}), "spec.addresses[0]", "host bits"},
		"prefix too long":          {gen.Pool("v-prefix33", []string{"10.0.0.0/33"}), "spec.addresses[0]", "must be a CIDR"},
		"octet out of range":       {gen.Pool("v-octet", []string{"10.0.0.256/32"}), "spec.addresses[0]", "must be a CIDR"},
		"v6 prefix too long":       {gen.Pool("v-prefix129", []string{"2001:db8::/129"}), "spec.addresses[0]", "must be a CIDR"},
		"bad hex digit":            {gen.Pool("v-hex", []string{"2001:db8::g/64"}), "spec.addresses[0]", "must be a CIDR"},
		"negative prefix":          {gen.Pool("v-neg", []string{"10.0.0.0/-1"}), "spec.addresses[0]", "must be a CIDR"},
		"mapped v6 range":          {gen.Pool("v-mapped", []string{"::ffff:10.0.0.1-::ffff:10.0.0.9"}), "spec.addresses[0]", ""},
		"too long":                 {gen.Pool("v-long", []string{strings.Repeat("1", 91)}), "spec.addresses[0]", "Too long"},
		"too many":                 {gen.Pool("v-many", manyRanges(33)), "spec.addresses", "Too many"},
		"v4 reversed":              {gen.Pool("v-rev4", []string{"10.0.0.50-10.0.0.10"}), "spec.addresses", "reversed"},
		"v4 reversed across octet": {gen.Pool("v-rev4b", []string{"10.0.1.0-10.0.0.255"}), "spec.addresses", "reversed"},
		"v4 reversed, digits":      {gen.Pool("v-rev4c", []string{"10.0.0.100-10.0.0.99"}), "spec.addresses", "reversed"},
		"v6 reversed":              {gen.Pool("v-rev6", []string{"2001:db8::ff-2001:db8::10"}), "spec.addresses", "reversed"},
		"v6 reversed, compressed":  {gen.Pool("v-rev6b", []string{"2001:db8::1:0-2001:db8::ffff"}), "spec.addresses", "reversed"},
		"v6 reversed, high group":  {gen.Pool("v-rev6c", []string{"2001:db9::-2001:db8:ffff::"}), "spec.addresses", "reversed"},
		"second range reversed":    {gen.Pool("v-rev-second", []string{"10.0.0.0/24", "10.0.1.9-10.0.1.1"}), "spec.addresses", "10.0.1.9-10.0.1.1"},
		"mixed family range":       {gen.Pool("v-mixed", []string{"10.0.0.1-2001:db8::1"}), "spec.addresses[0]", "mixes IPv4 and IPv6"},
		"three-part range":         {gen.Pool("v-three", []string{"10.0.0.1-10.0.0.2-10.0.0.3"}), "spec.addresses[0]", "must be a CIDR"},
		"half range":               {gen.Pool("v-half", []string{"10.0.0.1-"}), "spec.addresses[0]", "must be a CIDR"},
		"CIDR in range":            {gen.Pool("v-cidrrange", []string{"10.0.0.0/24-10.0.1.0/24"}), "spec.addresses[0]", "must be a CIDR"},
		"bare address":             {gen.Pool("v-bare", []string{"10.0.0.1"}), "spec.addresses[0]", "must be a CIDR"},
		"spaces":                   {gen.Pool("v-spaces", []string{"10.0.0.1 - 10.0.0.5"}), "spec.addresses[0]", "must be a CIDR"},
		"zone":                     {gen.Pool("v-zone", []string{"fe80::1%eth0-fe80::2%eth0"}), "spec.addresses[0]", "must be a CIDR"},
		"duplicate entries":        {gen.Pool("v-dup", []string{"10.0.0.0/24", "10.0.0.0/24"}), "spec.addresses[1]", "Duplicate"},
		"second entry bad":         {gen.Pool("v-second", []string{"10.0.0.0/24", "10.0.1.7/24"}), "spec.addresses[1]", "host bits"},
		"bad namespace name":       {gen.Pool("v-ns", []string{"10.0.0.0/24"}, gen.ForNamespaces("Not_A_Name")), "spec.allocation.namespaces[0]", ""},
	}
	for name, tc := range bad {
		t.Run(name, func(t *testing.T) {
			err := e.c.Create(e.ctx, tc.pool)
			if err == nil {
				_ = e.c.Delete(e.ctx, tc.pool)
				t.Fatalf("pool %v was accepted", tc.pool.Spec.Addresses)
			}
			if !apierrors.IsInvalid(err) && !strings.Contains(err.Error(), "ValidatingAdmissionPolicy") {
				t.Fatalf("want an Invalid error or an admission policy denial, got %v", err)
			}
			if !strings.Contains(err.Error(), tc.field) || !strings.Contains(err.Error(), tc.why) {
				t.Fatalf("error does not name %q with %q: %v", tc.field, tc.why, err)
			}
		})
	}

	good := map[string][]string{
		"v4 CIDR":                 {"192.0.2.0/24"},
		"v6 CIDR":                 {"2001:db8:1::/64"},
		"v4 range":                {"192.0.2.10-192.0.2.49"},
		"v4 one-address range":    {"192.0.2.7-192.0.2.7"},
		"v6 range":                {"2001:db8::10-2001:db8::ff"},
		"v4 whole space":          {"0.0.0.0-255.255.255.255"},
		"v6 last group":           {"2001:db8::fffe-2001:db8::ffff"},
		"v6 range across a group": {"2001:db8::ffff-2001:db8::1:0"},
		"mixed families":          {"198.51.100.0/28", "2001:db8:2::/120"},
	}
	for name, addrs := range good {
		t.Run("accepts "+name, func(t *testing.T) {
			p := gen.Pool("v-good-"+strings.ReplaceAll(strings.ToLower(strings.ReplaceAll(name, " ", "-")), ":", ""), addrs)
			if err := e.c.Create(e.ctx, p); err != nil {
				t.Fatalf("refused: %v", err)
			}
			_ = e.c.Delete(e.ctx, p)
		})
	}
}

func manyRanges(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("10.99.%d.0/24", i)
	}
	return out
}

// TestInvalidPoolsRefused: what the API server does not check per object
// (label selector operators) the controller refuses: Ready=False, reason
// Invalid, naming the field, and the pool is never used. (Reversed ranges
// have the same fallback in internal/config, for pools that predate the
// admission policy; the policy keeps new ones out.)
func TestInvalidPoolsRefused(t *testing.T) {
	e := newEnv(t)
	e.startController()
	e.createPool(gen.Pool("v-sel", []string{"10.98.2.0/24"}, func(p *farolv1.AddressPool) {
		p.Spec.Allocation = &farolv1.Allocation{ServiceSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "a", Operator: "Near"}}}}
	}))
	e.waitPoolReady("v-sel", "False", "Invalid", "spec.allocation.serviceSelector")
	e.createService(gen.Service("s", gen.WithPool("v-sel")))
	e.waitEvent("s", "AllocationFailed", "v-sel")
}
