package lab

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

func (bird) bgpPaths(ctx context.Context, r *Router, prefix netip.Prefix) ([]BGPPath, error) {
	out, err := birdc(ctx, r, "show", "route", prefix.String(), "all")
	if err != nil {
		if strings.Contains(err.Error(), "Network not found") {
			return nil, nil
		}
		return nil, err
	}
	return parseBIRDRoutes(out)
}

// parseBIRDRoutes reads `birdc show route <prefix> all`: a line per route
// (the first starts with the prefix, the others with blanks; then the
// route's kind and, in brackets, its protocol), each followed by
// tab-indented attributes. Only routes from BGP count.
func parseBIRDRoutes(out []byte) ([]BGPPath, error) {
	var paths []BGPPath
	var cur *BGPPath
	for line := range strings.Lines(string(out)) {
		line = strings.TrimRight(line, "\n")
		if !strings.HasPrefix(line, "\t") {
			cur = nil
			continue
		}
		if strings.HasPrefix(strings.TrimSpace(line), "Type: BGP ") {
			paths = append(paths, BGPPath{})
			cur = &paths[len(paths)-1]
			continue
		}
		if cur == nil {
			continue
		}
		key, val, _ := strings.Cut(strings.TrimSpace(line), ":")
		val = strings.TrimSpace(val)
		var err error
		switch key {
		case "BGP.next_hop":
			// One address, or the global one then the link-local one.
			cur.NextHop, err = netip.ParseAddr(strings.Fields(val)[0])
		case "BGP.as_path":
			for _, f := range strings.Fields(strings.NewReplacer("{", " ", "}", " ").Replace(val)) {
				var asn uint64
				if asn, err = strconv.ParseUint(f, 10, 32); err != nil {
					break
				}
				cur.ASPath = append(cur.ASPath, uint32(asn))
			}
		case "BGP.local_pref":
			var n uint64
			n, err = strconv.ParseUint(val, 10, 32)
			cur.LocalPref = uint32(n)
		case "BGP.community":
			cur.Communities = birdTuples(val)
		case "BGP.large_community":
			cur.LargeCommunities = birdTuples(val)
		}
		if err != nil {
			return nil, fmt.Errorf("birdc show route: %s %q: %w", key, val, err)
		}
	}
	return paths, nil
}

// birdTuples turns BIRD's "(65000,100) (1, 2, 3)" into "65000:100",
// "1:2:3".
func birdTuples(val string) []string {
	var out []string
	for t := range strings.SplitSeq(val, ")") {
		t = strings.Trim(strings.TrimSpace(t), "(")
		if t == "" {
			continue
		}
		out = append(out, strings.ReplaceAll(strings.ReplaceAll(t, " ", ""), ",", ":"))
	}
	return out
}
