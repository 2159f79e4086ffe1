package decision

import (
	"errors"
	"testing"
)

func TestParseCommunity(t *testing.T) {
	tests := map[string]struct {
		want Community
		ok   bool
	}{
		"65000:100":                  {Community{A: 65000, B: 100}, true},
		"0:0":                        {Community{}, true},
		"65535:65535":                {Community{A: 65535, B: 65535}, true},
		"65536:1":                    {ok: false},
		"1:65536":                    {ok: false},
		"1:2:3":                      {Community{Large: true, A: 1, B: 2, C: 3}, true},
		"4294967295:0:4294967295":    {Community{Large: true, A: 4294967295, C: 4294967295}, true},
		"4294967296:0:0":             {ok: false},
		"007:8":                      {Community{A: 7, B: 8}, true},
		"1":                          {ok: false},
		"1:2:3:4":                    {ok: false},
		"1::2":                       {ok: false},
		"+1:2":                       {ok: false},
		"-1:2":                       {ok: false},
		" 1:2":                       {ok: false},
		"large:1:2:3":                {ok: false},
		"no-export":                  {ok: false},
		"":                           {ok: false},
		"99999999999999999999:1:1":   {ok: false},
		"4294967295:4294967295:1":    {Community{Large: true, A: 4294967295, B: 4294967295, C: 1}, true},
		"65000:100:":                 {ok: false},
		"0x10:1":                     {ok: false},
		"1_000:1":                    {ok: false},
		"١:٢":                        {ok: false},
		"65000:1\n":                  {ok: false},
		"00000000000000000000001:1":  {ok: false},
		"00000000000000000000001:1:": {ok: false},
	}
	for in, tc := range tests {
		t.Run(in, func(t *testing.T) {
			got, err := ParseCommunity(in)
			if tc.ok != (err == nil) {
				t.Fatalf("ParseCommunity(%q) = %v, %v; want ok=%v", in, got, err, tc.ok)
			}
			if err != nil && !errors.Is(err, ErrCommunity) {
				t.Fatalf("error %v does not wrap ErrCommunity", err)
			}
			if tc.ok && got != tc.want {
				t.Fatalf("ParseCommunity(%q) = %+v, want %+v", in, got, tc.want)
			}
		})
	}
	if v := (Community{A: 65000, B: 100}).Standard(); v != 65000<<16|100 {
		t.Fatalf("Standard() = %#x", v)
	}
}

// FuzzParseCommunity: ParseCommunity never panics, what it refuses wraps
// ErrCommunity, and what it accepts prints back to a string that parses to
// the same community.
func FuzzParseCommunity(f *testing.F) {
	for _, s := range []string{"65000:100", "1:2:3", "65536:1", "4294967295:0:1", "007:8", "a:b", "1::"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCommunity(s)
		if err != nil {
			if !errors.Is(err, ErrCommunity) {
				t.Fatalf("ParseCommunity(%q): %v wraps no ErrCommunity", s, err)
			}
			return
		}
		if !c.Large && (c.A > 0xffff || c.B > 0xffff || c.C != 0) {
			t.Fatalf("ParseCommunity(%q) = %+v: standard parts out of range", s, c)
		}
		back, err := ParseCommunity(c.String())
		if err != nil || back != c {
			t.Fatalf("round trip of %q: %+v, then %q gives %+v, %v", s, c, c.String(), back, err)
		}
	})
}
