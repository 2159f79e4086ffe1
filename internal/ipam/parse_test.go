package ipam

import (
	"errors"
	"math/big"
	"net/netip"
	"testing"
)

func TestParseRange(t *testing.T) {
	tests := map[string]struct {
		in          string
		first, last string
		str         string // String() of the result
		size        string
		err         error
	}{
		"IPv4 CIDR":           {in: "10.0.0.0/24", first: "10.0.0.0", last: "10.0.0.255", str: "10.0.0.0/24", size: "256"},
		"IPv4 host":           {in: "10.0.0.7/32", first: "10.0.0.7", last: "10.0.0.7", str: "10.0.0.7/32", size: "1"},
		"IPv4 everything":     {in: "0.0.0.0/0", first: "0.0.0.0", last: "255.255.255.255", str: "0.0.0.0/0", size: "4294967296"},
		"IPv6 CIDR":           {in: "2001:db8::/120", first: "2001:db8::", last: "2001:db8::ff", str: "2001:db8::/120", size: "256"},
		"IPv6 /64":            {in: "2001:db8:1:2::/64", first: "2001:db8:1:2::", last: "2001:db8:1:2:ffff:ffff:ffff:ffff", str: "2001:db8:1:2::/64", size: "18446744073709551616"},
		"IPv6 everything":     {in: "::/0", first: "::", last: "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", str: "::/0", size: "340282366920938463463374607431768211456"},
		"IPv6 ends in mapped": {in: "::/80", first: "::", last: "::ffff:255.255.255.255", str: "::/80", size: "281474976710656"},
		"IPv4 dash":           {in: "10.0.0.10-10.0.0.49", first: "10.0.0.10", last: "10.0.0.49", str: "10.0.0.10-10.0.0.49", size: "40"},
		"IPv4 dash spaces":    {in: " 10.0.0.10 - 10.0.0.49 ", first: "10.0.0.10", last: "10.0.0.49", str: "10.0.0.10-10.0.0.49", size: "40"},
		"IPv4 dash is CIDR":   {in: "10.0.1.0-10.0.1.127", first: "10.0.1.0", last: "10.0.1.127", str: "10.0.1.0/25", size: "128"},
		"IPv4 dash single":    {in: "10.0.0.5-10.0.0.5", first: "10.0.0.5", last: "10.0.0.5", str: "10.0.0.5/32", size: "1"},
		"IPv6 dash":           {in: "2001:db8::10-2001:db8::ff", first: "2001:db8::10", last: "2001:db8::ff", str: "2001:db8::10-2001:db8::ff", size: "240"},
		"IPv6 dash spaces":    {in: "2001:db8::10 -2001:db8::ff", first: "2001:db8::10", last: "2001:db8::ff", str: "2001:db8::10-2001:db8::ff", size: "240"},
		"IPv6 non-canonical":  {in: "2001:0db8:0000::/48", first: "2001:db8::", last: "2001:db8:0:ffff:ffff:ffff:ffff:ffff", str: "2001:db8::/48", size: "1208925819614629174706176"},
		"empty":               {in: "", err: ErrMalformed},
		"bare address":        {in: "10.0.0.1", err: ErrMalformed},
		"garbage":             {in: "pool-a", err: ErrMalformed},
		"bad prefix length":   {in: "10.0.0.0/33", err: ErrMalformed},
		"CIDR with dash":      {in: "10.0.0.0/24-10.0.1.0/24", err: ErrMalformed},
		"missing end":         {in: "10.0.0.1-", err: ErrMalformed},
		"two dashes":          {in: "10.0.0.1-10.0.0.2-10.0.0.3", err: ErrMalformed},
		"host bits IPv4":      {in: "10.0.0.1/24", err: ErrHostBits},
		"host bits IPv6":      {in: "2001:db8::1/64", err: ErrHostBits},
		"reversed":            {in: "10.0.0.49-10.0.0.10", err: ErrReversed},
		"reversed IPv6":       {in: "2001:db8::ff-2001:db8::10", err: ErrReversed},
		"mixed":               {in: "10.0.0.1-2001:db8::1", err: ErrMixedFamilies},
		"mapped CIDR":         {in: "::ffff:10.0.0.0/120", err: ErrIPv4Mapped},
		"mapped dash":         {in: "::ffff:10.0.0.1-::ffff:10.0.0.9", err: ErrIPv4Mapped},
		"mapped and plain":    {in: "::ffff:10.0.0.1-10.0.0.9", err: ErrIPv4Mapped},
		"zone in range":       {in: "fe80::1%eth0-fe80::9%eth0", err: ErrZone},
		"zone in CIDR":        {in: "fe80::%eth0/64", err: ErrZone},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r, err := ParseRange(tc.in)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("ParseRange(%q) error = %v, want %v", tc.in, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseRange(%q): %v", tc.in, err)
			}
			want := Range{netip.MustParseAddr(tc.first), netip.MustParseAddr(tc.last)}
			if r != want {
				t.Errorf("ParseRange(%q) = %v..%v, want %v..%v", tc.in, r.First, r.Last, want.First, want.Last)
			}
			if got := r.String(); got != tc.str {
				t.Errorf("String() = %q, want %q", got, tc.str)
			}
			if got := r.Size().String(); got != tc.size {
				t.Errorf("Size() = %s, want %s", got, tc.size)
			}
		})
	}
}

func TestParseRangeMessage(t *testing.T) {
	_, err := ParseRange("10.0.0.1/24")
	want := `invalid address range "10.0.0.1/24": host bits set in CIDR: did you mean 10.0.0.0/24?`
	if err == nil || err.Error() != want {
		t.Fatalf("error = %v, want %s", err, want)
	}
}

func TestRangeMethods(t *testing.T) {
	r := mustRange(t, "10.0.0.10-10.0.0.20")
	tests := map[string]struct {
		got, want bool
	}{
		"contains first":        {r.Contains(netip.MustParseAddr("10.0.0.10")), true},
		"contains last":         {r.Contains(netip.MustParseAddr("10.0.0.20")), true},
		"not below":             {r.Contains(netip.MustParseAddr("10.0.0.9")), false},
		"not above":             {r.Contains(netip.MustParseAddr("10.0.0.21")), false},
		"not 4-in-6":            {r.Contains(netip.MustParseAddr("::ffff:10.0.0.15")), false},
		"not IPv6":              {mustRange(t, "::/0").Contains(netip.MustParseAddr("10.0.0.15")), false},
		"overlaps itself":       {r.Overlaps(r), true},
		"overlaps at the end":   {r.Overlaps(mustRange(t, "10.0.0.20-10.0.0.30")), true},
		"overlaps at the start": {r.Overlaps(mustRange(t, "10.0.0.0-10.0.0.10")), true},
		"below":                 {r.Overlaps(mustRange(t, "10.0.0.0-10.0.0.9")), false},
		"adjacent":              {r.Overlaps(mustRange(t, "10.0.0.21-10.0.0.30")), false},
		"inside":                {r.Overlaps(mustRange(t, "10.0.0.12/31")), true},
		"other family":          {mustRange(t, "::/0").Overlaps(mustRange(t, "0.0.0.0/0")), false},
		"family IPv4":           {r.Family() == IPv4 && IPv4.String() == "IPv4", true},
		"family IPv6":           {mustRange(t, "::/0").Family() == IPv6 && IPv6.String() == "IPv6", true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got %v, want %v", tc.got, tc.want)
			}
		})
	}
}

func TestRangeSizeBig(t *testing.T) {
	want := new(big.Int).Lsh(big.NewInt(1), 128)
	if got := mustRange(t, "::/0").Size(); got.Cmp(want) != 0 {
		t.Fatalf("Size(::/0) = %s, want %s", got, want)
	}
}
