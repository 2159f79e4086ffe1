package ipam

import (
	"errors"
	"testing"
)

// FuzzParseRange checks that ParseRange never panics, that what it accepts is
// a well-formed Range, and that String() parses back to the same Range.
func FuzzParseRange(f *testing.F) {
	for _, s := range []string{"10.0.0.0/24", "10.0.0.10 - 10.0.0.49", "2001:db8::/64", "::/0", "10.0.0.1/24", "fe80::1%eth0-fe80::2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRange(s)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrHostBits) && !errors.Is(err, ErrReversed) &&
				!errors.Is(err, ErrMixedFamilies) && !errors.Is(err, ErrIPv4Mapped) && !errors.Is(err, ErrZone) {
				t.Fatalf("ParseRange(%q) error %v wraps no parse sentinel", s, err)
			}
			return
		}
		if err := r.validate(); err != nil {
			t.Fatalf("ParseRange(%q) = invalid %v: %v", s, r, err)
		}
		if !r.Contains(r.First) || !r.Contains(r.Last) || r.Size().Sign() <= 0 {
			t.Fatalf("ParseRange(%q) = %v: bounds or size inconsistent", s, r)
		}
		back, err := ParseRange(r.String())
		if err != nil {
			t.Fatalf("ParseRange(%q) = %v, but its String() %q does not parse: %v", s, r, r.String(), err)
		}
		if back != r {
			t.Fatalf("round trip of %q: %v, then %q gives %v", s, r, r.String(), back)
		}
	})
}
