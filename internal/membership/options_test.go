package membership

import (
	"bytes"
	"errors"
	"log/slog"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"
)

func itoa(i int) string { return strconv.Itoa(i) }

func TestStartRejectsInvalidOptions(t *testing.T) {
	valid := Options{NodeName: "n", BindAddr: "127.0.0.1", BindPort: 1}
	tests := map[string]struct {
		mutate func(*Options)
		want   string
	}{
		"no name":          {func(o *Options) { o.NodeName = "" }, "NodeName"},
		"no address":       {func(o *Options) { o.BindAddr = "" }, "BindAddr: required"},
		"bad address":      {func(o *Options) { o.BindAddr = "node-1" }, "BindAddr"},
		"unspecified":      {func(o *Options) { o.BindAddr = "0.0.0.0" }, "not an address peers can reach"},
		"bad port":         {func(o *Options) { o.BindPort = 70000 }, "BindPort"},
		"short key":        {func(o *Options) { o.SecretKey = []byte("short") }, "SecretKey: 5 bytes"},
		"timeout too long": {func(o *Options) { o.ProbeTimeout = time.Second }, "ProbeTimeout"},
		"negative":         {func(o *Options) { o.RejoinInterval = -time.Second }, "RejoinInterval: must not be negative"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			o := valid
			tc.mutate(&o)
			_, err := Start(t.Context(), o)
			if !errors.Is(err, ErrInvalidOptions) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Start() = %v, want ErrInvalidOptions mentioning %q", err, tc.want)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	o := Options{}.withDefaults()
	if o.BindPort != DefaultBindPort || o.ProbeInterval != DefaultProbeInterval || o.SuspicionMult != DefaultSuspicionMult || o.RejoinInterval != DefaultRejoinInterval || o.Logger == nil {
		t.Errorf("withDefaults() = %+v", o)
	}
	c := o.config(netip.MustParseAddr("192.0.2.1"))
	if c.ProbeInterval != DefaultProbeInterval || c.ProbeTimeout != DefaultProbeTimeout || c.GossipInterval != DefaultGossipInterval || c.AdvertiseAddr != "192.0.2.1" {
		t.Errorf("config() = %+v", c)
	}
}

func TestParsePeer(t *testing.T) {
	tests := map[string]struct {
		in      string
		want    string
		wantErr bool
	}{
		"ipv4":             {"192.0.2.1", "192.0.2.1:7946", false},
		"ipv4 with port":   {"192.0.2.1:8000", "192.0.2.1:8000", false},
		"ipv6":             {"2001:db8::1", "[2001:db8::1]:7946", false},
		"ipv6 with port":   {"[2001:db8::1]:8000", "[2001:db8::1]:8000", false},
		"ipv4-mapped":      {"::ffff:192.0.2.1", "192.0.2.1:7946", false},
		"hostname":         {"node-1", "", true},
		"hostname w/ port": {"node-1:7946", "", true},
		"port zero":        {"192.0.2.1:0", "", true},
		"zone":             {"fe80::1%eth0", "", true},
		"empty":            {"", "", true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := parsePeer(tc.in, DefaultBindPort)
			if (err != nil) != tc.wantErr {
				t.Fatalf("parsePeer(%q) error = %v, wantErr %v", tc.in, err, tc.wantErr)
			}
			if err == nil && got.String() != tc.want {
				t.Errorf("parsePeer(%q) = %s, want %s", tc.in, got, tc.want)
			}
		})
	}
}

func TestJoinAddressHandling(t *testing.T) {
	a := start(t, testOptions(t, "a", freePort(t)))
	ob := testOptions(t, "b", freePort(t))
	b := start(t, ob)
	self := "127.0.0.1:" + itoa(ob.BindPort)

	if err := b.Join(nil); err != nil {
		t.Errorf("Join(nil) = %v, want nil", err)
	}
	if err := b.Join([]string{self, " " + self + " "}); err != nil {
		t.Errorf("Join(self) = %v, want nil: self is skipped", err)
	}
	// A malformed address is reported, and the valid one is joined anyway.
	err := b.Join([]string{"not-an-ip", self, "127.0.0.1:" + itoa(a.o.BindPort)})
	if err == nil || !strings.Contains(err.Error(), "not-an-ip") || errors.Is(err, ErrNoPeer) {
		t.Errorf("Join with a malformed address = %v, want it named and no ErrNoPeer", err)
	}
	if _, ok := waitLive(a, []string{"a", "b"}, 2*time.Second); !ok {
		t.Errorf("a sees %v", a.Live())
	}
	// Nobody listens on a fresh port: ErrNoPeer.
	if err := b.Join([]string{"127.0.0.1:" + itoa(freePort(t))}); !errors.Is(err, ErrNoPeer) {
		t.Errorf("Join(nobody) = %v, want ErrNoPeer", err)
	}
}

func TestLogBridge(t *testing.T) {
	var buf bytes.Buffer
	l := newStdLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})), nil)
	l.Printf("[WARN] memberlist: Was able to connect to %s over TCP but UDP probes failed", "n1")
	l.Printf("no level here")
	got := buf.String()
	for _, want := range []string{
		`level=DEBUG msg="Was able to connect to n1 over TCP but UDP probes failed" memberlistLevel=WARN`,
		`msg="no level here" memberlistLevel=""`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("log output %q lacks %q", got, want)
		}
	}

	buf.Reset()
	quiet := newStdLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo})), nil)
	quiet.Printf("[ERR] memberlist: dropped below debug")
	if buf.Len() != 0 {
		t.Errorf("debug lines leaked at info level: %q", buf.String())
	}
}
