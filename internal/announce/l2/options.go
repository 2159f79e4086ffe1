package l2

import (
	"log/slog"
	"net"
	"net/netip"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Defaults for Options; see the field comments.
const (
	DefaultGratuitousCount    = 3
	DefaultGratuitousInterval = 50 * time.Millisecond
	DefaultRefreshInterval    = 5 * time.Second
	DefaultResyncInterval     = 10 * time.Second
)

// Options configures an Announcer. Start from Defaults(): the zero value of
// RequireSubnet is false, which is not the default.
type Options struct {
	// Logger receives the Announcer's logs; nil discards them.
	Logger *slog.Logger
	// Registry gets the Announcer's metrics registered; nil leaves them
	// unregistered.
	Registry prometheus.Registerer
	// GratuitousCount is the number of gratuitous ARP / unsolicited NA rounds
	// sent on taking ownership of an address on an interface. 0 means
	// DefaultGratuitousCount; negative sends none.
	GratuitousCount int
	// GratuitousInterval spaces the rounds of the burst; the first goes out
	// immediately. 0 or negative means DefaultGratuitousInterval.
	GratuitousInterval time.Duration
	// RefreshInterval is how often an owned address is re-announced, so that
	// neighbours which missed the burst (a switch port that came up late)
	// converge anyway. 0 means DefaultRefreshInterval; negative disables it.
	RefreshInterval time.Duration
	// ResyncInterval is how often the node's interfaces are re-read and the
	// last desired set re-applied, which is how interfaces that appear,
	// vanish or change their MAC address are noticed. 0 means
	// DefaultResyncInterval; negative disables it (the caller then calls
	// SetDesired again to pick up interface changes).
	ResyncInterval time.Duration
	// RequireSubnet restricts answering to interfaces with a configured
	// subnet containing the address, as a router would only expect the
	// address there. Defaults() sets it.
	RequireSubnet bool
	// Claimed, if set, is told of every other node's gratuitous ARP or
	// unsolicited Neighbor Advertisement heard on an interface with a
	// responder: that node answers for addr now. A node handing an address
	// over stops answering once it hears its successor. Called from the
	// receiving goroutine: it must not block.
	Claimed func(addr netip.Addr, mac net.HardwareAddr)
}

// Defaults returns the recommended Options.
func Defaults() Options {
	return Options{
		GratuitousCount:    DefaultGratuitousCount,
		GratuitousInterval: DefaultGratuitousInterval,
		RefreshInterval:    DefaultRefreshInterval,
		ResyncInterval:     DefaultResyncInterval,
		RequireSubnet:      true,
	}
}

// withDefaults fills the unset fields. It is the only place defaults apply.
func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.GratuitousCount == 0 {
		o.GratuitousCount = DefaultGratuitousCount
	}
	if o.GratuitousCount < 0 {
		o.GratuitousCount = 0
	}
	if o.GratuitousInterval <= 0 {
		o.GratuitousInterval = DefaultGratuitousInterval
	}
	if o.RefreshInterval == 0 {
		o.RefreshInterval = DefaultRefreshInterval
	}
	if o.ResyncInterval == 0 {
		o.ResyncInterval = DefaultResyncInterval
	}
	return o
}
