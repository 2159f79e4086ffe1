package lab

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

func (bird) sessions(ctx context.Context, r *Router) ([]Session, error) {
	out, err := birdc(ctx, r, "show", "protocols", "all")
	if err != nil {
		return nil, err
	}
	return parseBIRDProtocols(out, time.Now())
}

// birdTime is `timeformat protocol iso long ms`, in BIRD's local time.
const birdTime = "2006-01-02 15:04:05.000"

// parseBIRDProtocols reads `birdc show protocols all`: a header line per
// protocol (name, proto, table, state, since date and time, info), then
// indented details. Only BGP protocols with a neighbor address are
// sessions; the template of a neighbor range has none.
func parseBIRDProtocols(out []byte, now time.Time) ([]Session, error) {
	byPeer := map[netip.Addr]*Session{}
	var cur *Session // the BGP protocol being read
	var since time.Time
	var channel string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if !strings.HasPrefix(line, " ") {
			// A header line: name proto table state date time [info].
			cur, channel = nil, ""
			if len(f) >= 6 && f[1] == "BGP" {
				cur = &Session{}
				since, _ = time.ParseInLocation(birdTime, f[4]+" "+f[5], time.Local)
			}
			continue
		}
		if cur == nil {
			continue
		}
		key, val, _ := strings.Cut(strings.TrimSpace(line), ":")
		val = strings.TrimSpace(val)
		switch key {
		case "BGP state":
			cur.State = val
			cur.Established = val == "Established"
			if cur.Established && !since.IsZero() {
				cur.Uptime, cur.Since = now.Sub(since), since
			}
		case "Neighbor address":
			a, err := netip.ParseAddr(val)
			if err != nil {
				return nil, fmt.Errorf("birdc show protocols all: neighbor address %q: %w", val, err)
			}
			cur.Peer = a
			byPeer[a] = cur
		case "Neighbor AS":
			asn, err := strconv.ParseUint(val, 10, 32)
			if err != nil {
				return nil, fmt.Errorf("birdc show protocols all: neighbor AS %q: %w", val, err)
			}
			cur.ASN = uint32(asn)
		case "Channel ipv4", "Channel ipv6":
			channel = key
		case "Routes":
			// "N imported, M exported, K preferred"
			var in, out int
			if _, err := fmt.Sscanf(val, "%d imported, %d exported", &in, &out); err != nil {
				return nil, fmt.Errorf("birdc show protocols all: routes %q: %w", val, err)
			}
			switch channel {
			case "Channel ipv4":
				cur.Received4, cur.Sent4 = in, out
			case "Channel ipv6":
				cur.Received6, cur.Sent6 = in, out
			}
		}
	}
	return sortedSessions(byPeer), sc.Err()
}

func (bird) bfdPeers(ctx context.Context, r *Router) ([]BFDPeer, error) {
	out, err := birdc(ctx, r, "show", "bfd", "sessions")
	if err != nil {
		return nil, err
	}
	return parseBIRDBFDSessions(out), nil
}

// parseBIRDBFDSessions reads `birdc show bfd sessions`: per BFD protocol a
// table whose rows start with the peer's address, then interface and state.
func parseBIRDBFDSessions(out []byte) []BFDPeer {
	var bs []BFDPeer
	for line := range strings.Lines(string(out)) {
		f := strings.Fields(line)
		if len(f) < 3 {
			continue
		}
		a, err := netip.ParseAddr(f[0])
		if err != nil {
			continue
		}
		bs = append(bs, BFDPeer{Peer: a, State: f[2], Up: f[2] == "Up"})
	}
	return bs
}
