package l2

import (
	"errors"
	"net"
	"net/netip"
	"reflect"
	"testing"
)

var mac1 = net.HardwareAddr{2, 0, 0, 0, 0, 1}

// iface builds an up, broadcast-capable Ethernet interface with the given
// subnets; options alter it.
func iface(name string, prefixes ...string) ifaceInfo {
	ifi := ifaceInfo{Name: name, Index: len(name), MAC: mac1, Up: true, Broadcast: true}
	for _, p := range prefixes {
		ifi.Prefixes = append(ifi.Prefixes, netip.MustParsePrefix(p))
	}
	return ifi
}

func TestUnsuitable(t *testing.T) {
	vip := netip.MustParseAddr("10.0.0.100")
	tests := map[string]struct {
		ifi           ifaceInfo
		requireSubnet bool
		want          string
	}{
		"suitable with subnet":      {iface("eth0", "10.0.0.0/24"), true, ""},
		"suitable without subnet":   {iface("eth0"), false, ""},
		"down":                      {func() ifaceInfo { i := iface("eth0", "10.0.0.0/24"); i.Up = false; return i }(), true, "down or without carrier"},
		"loopback":                  {func() ifaceInfo { i := iface("lo", "10.0.0.0/24"); i.Loopback = true; return i }(), false, "loopback"},
		"point to point":            {func() ifaceInfo { i := iface("tun0"); i.Broadcast = false; return i }(), false, "not broadcast-capable"},
		"no MAC":                    {func() ifaceInfo { i := iface("x"); i.MAC = nil; return i }(), false, "no Ethernet address"},
		"other subnet":              {iface("eth0", "10.0.1.0/24", "fd00::/64"), true, "no subnet containing the address"},
		"other subnet not required": {iface("eth0", "10.0.1.0/24"), false, ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := unsuitable(tc.ifi, vip, tc.requireSubnet); got != tc.want {
				t.Errorf("unsuitable = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestResolve(t *testing.T) {
	a4 := netip.MustParseAddr("10.0.0.100")
	b4 := netip.MustParseAddr("10.0.1.100")
	a6 := netip.MustParseAddr("fd00::100")
	down := iface("eth2", "10.0.0.0/24")
	down.Up = false
	ifaces := []ifaceInfo{
		iface("eth0", "10.0.0.0/24", "fd00::/64"),
		iface("eth1", "10.0.1.0/24"),
		down,
		func() ifaceInfo { i := iface("lo", "10.0.0.0/8"); i.Loopback = true; return i }(),
	}
	tests := map[string]struct {
		want          map[netip.Addr][]string
		requireSubnet bool
		placed        placement
		errIs         []error
	}{
		"empty": {want: nil, requireSubnet: true, placed: placement{}},
		"every suitable interface by subnet": {
			want:          map[netip.Addr][]string{a4: nil, b4: {}, a6: nil},
			requireSubnet: true,
			placed: placement{
				{"eth0", famIPv4}: {a4: {}},
				{"eth0", famIPv6}: {a6: {}},
				{"eth1", famIPv4}: {b4: {}},
			},
		},
		"every suitable interface without subnet": {
			want:          map[netip.Addr][]string{a4: nil},
			requireSubnet: false,
			placed:        placement{{"eth0", famIPv4}: {a4: {}}, {"eth1", famIPv4}: {a4: {}}},
		},
		"named interface": {
			want:          map[netip.Addr][]string{a4: {"eth1"}},
			requireSubnet: false,
			placed:        placement{{"eth1", famIPv4}: {a4: {}}},
		},
		"named interface outside subnet": {
			want:          map[netip.Addr][]string{a4: {"eth1"}, b4: {"eth1"}},
			requireSubnet: true,
			placed:        placement{{"eth1", famIPv4}: {b4: {}}},
			errIs:         []error{ErrNoInterface},
		},
		"named interfaces partly unsuitable": {
			want:          map[netip.Addr][]string{a4: {"eth0", "eth2", "gone"}},
			requireSubnet: true,
			placed:        placement{{"eth0", famIPv4}: {a4: {}}},
		},
		"only unsuitable named": {
			want:          map[netip.Addr][]string{a4: {"eth2", "gone", "lo"}},
			requireSubnet: false,
			placed:        placement{},
			errIs:         []error{ErrNoInterface},
		},
		"no subnet anywhere": {
			want:          map[netip.Addr][]string{netip.MustParseAddr("192.0.2.1"): nil},
			requireSubnet: true,
			placed:        placement{},
			errIs:         []error{ErrNoInterface},
		},
		"invalid addresses skipped, others placed": {
			want: map[netip.Addr][]string{
				{}:                                    nil,
				netip.MustParseAddr("::"):             nil,
				netip.MustParseAddr("127.0.0.1"):      nil,
				netip.MustParseAddr("ff02::1"):        nil,
				netip.MustParseAddr("fd00::1%eth0"):   nil,
				netip.MustParseAddr("::ffff:1.2.3.4"): nil,
				netip.MustParseAddr("fe80::1"):        nil,
				netip.MustParseAddr("169.254.0.1"):    nil,
				a4:                                    nil,
			},
			requireSubnet: true,
			placed:        placement{{"eth0", famIPv4}: {a4: {}}},
			errIs:         []error{ErrInvalidAddress},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := resolve(tc.want, ifaces, tc.requireSubnet)
			if !reflect.DeepEqual(got, tc.placed) {
				t.Errorf("placement = %v, want %v", got, tc.placed)
			}
			if len(tc.errIs) == 0 && err != nil {
				t.Errorf("unexpected error: %v", err)
			}
			for _, target := range tc.errIs {
				if !errors.Is(err, target) {
					t.Errorf("error %v does not wrap %v", err, target)
				}
			}
		})
	}
}

func TestResolveErrorNamesReasons(t *testing.T) {
	_, err := resolve(map[netip.Addr][]string{netip.MustParseAddr("10.9.9.9"): {"gone", "eth0"}},
		[]ifaceInfo{iface("eth0", "10.0.0.0/24")}, true)
	want := "no suitable interface for 10.9.9.9: gone: not found, eth0: no subnet containing the address"
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %q", err, want)
	}
}

func TestPlacementByAddress(t *testing.T) {
	a := netip.MustParseAddr("10.0.0.1")
	b := netip.MustParseAddr("fd00::1")
	p := placement{
		{"eth1", famIPv4}: {a: {}},
		{"eth0", famIPv4}: {a: {}},
		{"eth0", famIPv6}: {b: {}},
	}
	want := map[netip.Addr][]string{a: {"eth0", "eth1"}, b: {"eth0"}}
	if got := p.byAddress(); !reflect.DeepEqual(got, want) {
		t.Errorf("byAddress = %v, want %v", got, want)
	}
	if got := p.countByFamily(); got[famIPv4] != 1 || got[famIPv6] != 1 {
		t.Errorf("countByFamily = %v, want one each", got)
	}
}
