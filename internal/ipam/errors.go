package ipam

import (
	"errors"
	"fmt"
	"net/netip"
)

// Parse errors. ParseRange wraps exactly one of them.
var (
	ErrMalformed     = errors.New("malformed address range")
	ErrHostBits      = errors.New("host bits set in CIDR")
	ErrReversed      = errors.New("range end before its start")
	ErrMixedFamilies = errors.New("range mixes IPv4 and IPv6")
	ErrIPv4Mapped    = errors.New("IPv4-mapped IPv6 address")
	ErrZone          = errors.New("IPv6 zone in address")
)

// Allocation and configuration errors. Every error the Allocator returns wraps
// one of them; the message itself is written to be shown to a user as is (the
// controller copies it into a Kubernetes event).
var (
	ErrNoPool            = errors.New("no pool can serve the service")
	ErrExhausted         = errors.New("address pool exhausted")
	ErrInUse             = errors.New("address in use")
	ErrNotShareable      = errors.New("address cannot be shared")
	ErrOutsidePool       = errors.New("address outside every usable pool")
	ErrFamilyUnavailable = errors.New("address family unavailable")
	ErrPoolOverlap       = errors.New("address pools overlap")
	ErrUnknownPool       = errors.New("unknown address pool")
	ErrInvalidPool       = errors.New("invalid address pool")
	ErrInvalidRequest    = errors.New("invalid allocation request")
)

// msgError carries a complete human message and a sentinel for errors.Is. It
// exists because fmt.Errorf("%w: ...") would prefix every message with the
// sentinel's own text, which reads badly in an event.
type msgError struct {
	msg      string
	sentinel error
}

func (e *msgError) Error() string { return e.msg }
func (e *msgError) Unwrap() error { return e.sentinel }

func errorf(sentinel error, format string, args ...any) error {
	return &msgError{msg: fmt.Sprintf(format, args...), sentinel: sentinel}
}

// InUseError reports an address that another Service holds and that the
// requester may not share. It matches ErrInUse always, and ErrNotShareable as
// well when both Services carry the same sharing key (so the keys agree but
// something else, such as the ports, does not).
type InUseError struct {
	Addr    netip.Addr
	Holder  string // key of a Service holding Addr
	Reason  string // why sharing is refused, e.g. "ports overlap: TCP/80"
	SameKey bool
}

func (e *InUseError) Error() string {
	return fmt.Sprintf("address %s is in use by %s (%s)", e.Addr, e.Holder, e.Reason)
}

// Is makes errors.Is(err, ErrInUse) hold for every conflict, so a caller that
// does not care why sharing failed needs one check only.
func (e *InUseError) Is(target error) bool {
	return target == ErrInUse || (e.SameKey && target == ErrNotShareable)
}
