package decision

import (
	"bufio"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

var update = flag.Bool("update", false, "rewrite the want section of the golden decision cases")

// TestGoldenDecisions reads each testdata/decide/*.txtar: nodes, live
// speakers, advertisements and Services in, the announcement table out.
// `go test ./internal/decision -run Golden -update` rewrites the want
// sections; review the diff, it is the speakers' behaviour.
//
// Sections, one item a line, fields separated by spaces:
//
//	nodes:          name [key=value ...] [excluded] [cordoned] [network-unavailable]
//	live:           names of the live speakers
//	advertisements: name [pools=a,b] [nodes=key=value] [interfaces=eth0,eth1]
//	bgp:            name [pools=a,b] [nodes=key=value] [agg4=24] [agg6=64] [communities=65000:1,1:2:3] [localpref=100] [peers=a,b]
//	services:       namespace/name pool=p addrs=a,b [ready=n1,n2] [local]
//	want:           namespace/name address mode owner [interfaces] | namespace/name address bgp nodes route | namespace/name address - reason
func TestGoldenDecisions(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "decide", "*.txtar"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden cases: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			sections := map[string]string{}
			for _, f := range ar.Files {
				sections[f.Name] = string(f.Data)
			}
			nodes, live, ads, svcs := parseCase(t, sections)
			w := Build(Inputs{Nodes: nodes, Live: live, L2: ads, BGP: parseBGP(t, sections["bgp"])})
			var b strings.Builder
			for _, s := range svcs {
				for _, an := range w.Decide(s) {
					writeAnnouncement(&b, an)
				}
			}
			got := b.String()
			if *update {
				for i := range ar.Files {
					if ar.Files[i].Name == "want" {
						ar.Files[i].Data = []byte(got)
					}
				}
				if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if want := sections["want"]; got != want {
				t.Errorf("%s: announcement table differs\n--- got\n%s--- want\n%s", file, got, want)
			}
		})
	}
}

func writeAnnouncement(b *strings.Builder, an Announcement) {
	if len(an.Nodes) == 0 {
		fmt.Fprintf(b, "%s %s - %s\n", an.Service, an.Addr, an.Reason)
		return
	}
	if an.Mode == ModeBGP {
		fmt.Fprintf(b, "%s %s %s %s %s\n", an.Service, an.Addr, an.Mode, strings.Join(an.Nodes, ","), an.Route)
		return
	}
	ifaces := "any"
	if len(an.Interfaces) > 0 {
		ifaces = strings.Join(an.Interfaces, ",")
	}
	fmt.Fprintf(b, "%s %s %s %s %s\n", an.Service, an.Addr, an.Mode, strings.Join(an.Nodes, ","), ifaces)
}

func parseCase(t *testing.T, sections map[string]string) ([]Node, []string, []Advertisement, []Service) {
	t.Helper()
	var nodes []Node
	for _, f := range lines(sections["nodes"]) {
		n := Node{Name: f[0], Labels: map[string]string{}}
		for _, x := range f[1:] {
			switch x {
			case "excluded":
				n.Excluded = true
			case "cordoned":
				n.Cordoned = true
			case "network-unavailable":
				n.NetworkUnavailable = true
			default:
				k, v, ok := strings.Cut(x, "=")
				if !ok {
					t.Fatalf("node %s: field %q is neither a flag nor a label", n.Name, x)
				}
				n.Labels[k] = v
			}
		}
		nodes = append(nodes, n)
	}
	var live []string
	for _, f := range lines(sections["live"]) {
		live = append(live, f...)
	}
	var ads []Advertisement
	for _, f := range lines(sections["advertisements"]) {
		ad := Advertisement{Name: f[0]}
		for _, x := range f[1:] {
			k, v, _ := strings.Cut(x, "=")
			switch k {
			case "pools":
				ad.Pool = poolsIn(v)
			case "nodes":
				ad.Node = labelled(v)
			case "interfaces":
				ad.Interfaces = strings.Split(v, ",")
			default:
				t.Fatalf("advertisement %s: unknown field %q", ad.Name, x)
			}
		}
		ads = append(ads, ad)
	}
	var svcs []Service
	for _, f := range lines(sections["services"]) {
		s := Service{Key: f[0]}
		for _, x := range f[1:] {
			k, v, _ := strings.Cut(x, "=")
			switch k {
			case "pool":
				s.Pool = v
			case "addrs":
				for _, a := range strings.Split(v, ",") {
					s.Addrs = append(s.Addrs, netip.MustParseAddr(a))
				}
			case "ready":
				s.ReadyNodes = strings.Split(v, ",")
			case "local":
				s.LocalTraffic = true
			default:
				t.Fatalf("service %s: unknown field %q", s.Key, x)
			}
		}
		svcs = append(svcs, s)
	}
	return nodes, live, ads, svcs
}

func parseBGP(t *testing.T, section string) []BGPAdvertisement {
	t.Helper()
	var ads []BGPAdvertisement
	for _, f := range lines(section) {
		ad := BGPAdvertisement{Name: f[0], AggregationV4: 32, AggregationV6: 128}
		for _, x := range f[1:] {
			k, v, _ := strings.Cut(x, "=")
			var err error
			switch k {
			case "pools":
				ad.Pool = poolsIn(v)
			case "nodes":
				ad.Node = labelled(v)
			case "agg4":
				ad.AggregationV4, err = strconv.Atoi(v)
			case "agg6":
				ad.AggregationV6, err = strconv.Atoi(v)
			case "communities":
				for _, c := range strings.Split(v, ",") {
					var cm Community
					if cm, err = ParseCommunity(c); err == nil {
						ad.Communities = append(ad.Communities, cm)
					}
				}
			case "localpref":
				var n uint64
				n, err = strconv.ParseUint(v, 10, 32)
				lp := uint32(n)
				ad.LocalPref = &lp
			case "peers":
				ad.Peers = strings.Split(v, ",")
			default:
				t.Fatalf("bgp advertisement %s: unknown field %q", ad.Name, x)
			}
			if err != nil {
				t.Fatalf("bgp advertisement %s: %s: %v", ad.Name, x, err)
			}
		}
		ads = append(ads, ad)
	}
	return ads
}

// poolsIn selects the pools of a comma-separated list.
func poolsIn(list string) func(string) bool {
	names := strings.Split(list, ",")
	return func(p string) bool { return slices.Contains(names, p) }
}

// labelled selects nodes with the label "key=value".
func labelled(kv string) func(map[string]string) bool {
	k, v, _ := strings.Cut(kv, "=")
	return func(l map[string]string) bool { return l[k] == v }
}

// lines splits a section into lines of fields, skipping blanks and #
// comments.
func lines(s string) [][]string {
	var out [][]string
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, strings.Fields(line))
	}
	return out
}
