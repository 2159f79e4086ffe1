package bgp

import (
	"bytes"
	"context"
	"log/slog"
	"net/netip"
	"strings"
	"testing"
)

// TestDialWatch: GoBGP's failed dials are taken from the debug records
// of a peer's logger (Topic=Peer, Key=address) only, and the log goes on
// to the Announcer's logger at its own level.
func TestDialWatch(t *testing.T) {
	var out bytes.Buffer
	errs := &dialErrors{}
	root := slog.New(dialWatch{inner: slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelInfo}), errs: errs})
	peer := root.With(slog.String("Topic", "Peer"), slog.String("Key", "::ffff:192.0.2.1"))
	other := root.With(slog.String("Topic", "Server"), slog.String("Key", "192.0.2.2"))
	addr, addr2 := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")

	if root.Enabled(context.Background(), slog.LevelDebug) || !peer.Enabled(context.Background(), slog.LevelDebug) {
		t.Fatal("debug records must be made for peer loggers only")
	}
	other.Debug("failed to connect", slog.String("Error", "not a peer's"))
	peer.Debug("try to connect")
	peer.Debug("failed to connect", slog.String("Error", "dial tcp 192.0.2.1:179: i/o timeout"))
	if got := errs.get(addr); got != "dial tcp 192.0.2.1:179: i/o timeout" {
		t.Errorf("dial error of the peer = %q", got)
	}
	if got := errs.get(addr2); got != "" {
		t.Errorf("a record of another topic counted as a dial error: %q", got)
	}
	if strings.Contains(out.String(), "connect") {
		t.Errorf("debug records passed to an info logger:\n%s", &out)
	}
	peer.WithGroup("g").Warn("state changed")
	if !strings.Contains(out.String(), "state changed") {
		t.Errorf("a warning did not reach the logger:\n%s", &out)
	}
	errs.clear(addr)
	if got := errs.get(addr); got != "" {
		t.Errorf("cleared dial error = %q", got)
	}
}

func TestDialText(t *testing.T) {
	p := Peer{Address: netip.MustParseAddr("2001:db8::1")}
	for err, want := range map[string]string{
		"dial tcp [2001:db8::1]:179: i/o timeout":            "no TCP connection to [2001:db8::1]:179 (dial tcp [2001:db8::1]:179: i/o timeout): connection attempts time out; a router drops",
		"dial tcp [2001:db8::1]:179: connection refused":     "the router refuses the connection",
		"dial tcp [2001:db8::1]:179: network is unreachable": "no TCP connection to [2001:db8::1]:179 (dial tcp [2001:db8::1]:179: network is unreachable)",
	} {
		if got := dialText(p, err); !strings.Contains(got, want) {
			t.Errorf("dialText(%q) = %q, want it to contain %q", err, got, want)
		}
	}
}
