package bgp

import (
	"errors"
	"net/netip"
	"reflect"
	"testing"
)

func TestValidPeers(t *testing.T) {
	a := netip.MustParseAddr("192.0.2.1")
	b := netip.MustParseAddr("2001:db8::1")
	for name, tc := range map[string]struct {
		peers    []Peer
		want     []string
		failures int
	}{
		"valid":          {[]Peer{{Name: "a", Address: a, ASN: 1}, {Name: "b", Address: b, ASN: 2}}, []string{"a", "b"}, 0},
		"mapped address": {[]Peer{{Name: "a", Address: netip.AddrFrom16(a.As16()), ASN: 1}, {Name: "b", Address: a, ASN: 1}}, []string{"a"}, 1},
		"no name":        {[]Peer{{Address: a, ASN: 1}}, nil, 1},
		"no address":     {[]Peer{{Name: "a", ASN: 1}}, nil, 1},
		"no ASN":         {[]Peer{{Name: "a", Address: a}}, nil, 1},
		"name twice":     {[]Peer{{Name: "a", Address: a, ASN: 1}, {Name: "a", Address: b, ASN: 1}}, []string{"a"}, 1},
	} {
		t.Run(name, func(t *testing.T) {
			got, errs := validPeers(tc.peers)
			var names []string
			for n := range got {
				names = append(names, n)
			}
			if len(names) != len(tc.want) || len(errs) != tc.failures {
				t.Fatalf("valid %v, errors %v; want %v and %d errors", names, errs, tc.want, tc.failures)
			}
			for _, err := range errs {
				if !errors.Is(err, ErrInvalidPeer) {
					t.Errorf("error %v is not ErrInvalidPeer", err)
				}
			}
		})
	}
}

func TestPathNormalise(t *testing.T) {
	got, err := Path{
		Prefix:           netip.MustParsePrefix("::ffff:198.51.100.7/120"),
		Communities:      []uint32{3, 1, 3},
		LargeCommunities: []LargeCommunity{{2, 0, 0}, {1, 2, 3}, {1, 2, 3}},
		Peers:            []string{"b", "a", "b"},
	}.normalise()
	want := Path{
		Prefix:           netip.MustParsePrefix("198.51.100.0/24"),
		Communities:      []uint32{1, 3},
		LargeCommunities: []LargeCommunity{{1, 2, 3}, {2, 0, 0}},
		Peers:            []string{"a", "b"},
	}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("normalise = %+v, %v; want %+v", got, err, want)
	}
	if _, err := (Path{}).normalise(); !errors.Is(err, ErrInvalidPath) {
		t.Fatalf("invalid prefix: %v, want ErrInvalidPath", err)
	}
}
