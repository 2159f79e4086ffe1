package lab

import (
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestRouterConfig renders the FRR and BIRD configurations for options that
// use every feature and compares them with the golden files
// (go test -run TestRouterConfig -update rewrites them).
func TestRouterConfig(t *testing.T) {
	bfd := &BFDOptions{MinRx: 200 * time.Millisecond, MinTx: 300 * time.Millisecond, Multiplier: 4}
	base := RouterOptions{
		ASN:             64512,
		GracefulRestart: true,
		Peers: []RouterPeer{
			{Range: netip.MustParsePrefix("10.77.0.0/16"), BFD: bfd},
			{Address: netip.MustParseAddr("10.77.0.11"), ASN: 64513, Password: "s3cret", BFD: bfd},
			{Address: netip.MustParseAddr("fd00:77::12"), ASN: 64512},
		},
	}
	// The router also originates routes of both families.
	announce := []netip.Prefix{netip.MustParsePrefix("10.99.0.0/24"), netip.MustParsePrefix("10.98.0.0/24"), netip.MustParsePrefix("fd00:99::/64")}
	for _, tc := range []struct {
		daemon   RouterDaemon
		files    map[string]string // golden file -> template
		announce []netip.Prefix
	}{
		{FRR, map[string]string{"frr-zebra.conf": "zebra", "frr-bgpd.conf": "bgpd", "frr-bfdd.conf": "bfdd"}, nil},
		{BIRD, map[string]string{"bird.conf": "bird.conf"}, nil},
		{FRR, map[string]string{"frr-bgpd-announce.conf": "bgpd"}, announce},
		{BIRD, map[string]string{"bird-announce.conf": "bird.conf"}, announce},
	} {
		o := base
		o.Daemon, o.Announce = tc.daemon, tc.announce
		o, err := o.withDefaults(netip.MustParseAddr("10.77.0.1"))
		if err != nil {
			t.Fatal(err)
		}
		tmpl := frrConf
		if tc.daemon == BIRD {
			tmpl = birdConf
		}
		dir := t.TempDir()
		for golden, name := range tc.files {
			if err := writeTemplate(tmpl, name, o, dir, golden); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(filepath.Join(dir, golden))
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", golden+".golden")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Errorf("%s differs from %s:\n%s", name, path, got)
			}
		}
	}
}
