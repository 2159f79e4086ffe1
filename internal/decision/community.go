package decision

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrCommunity says a community is neither "a:b" with 16-bit parts nor
// "a:b:c" with 32-bit parts.
var ErrCommunity = errors.New("not a BGP community: want a standard one such as 65000:100 or a large one such as 65000:1:2")

// Community is a BGP community: standard (RFC 1997), two 16-bit parts
// written A:B, or large (RFC 8092), three 32-bit parts written A:B:C. It is
// comparable, so sets of communities are maps.
type Community struct {
	Large   bool
	A, B, C uint32
}

// Standard is the 32-bit value of a standard community.
func (c Community) Standard() uint32 { return c.A<<16 | c.B }

func (c Community) String() string {
	if c.Large {
		return fmt.Sprintf("%d:%d:%d", c.A, c.B, c.C)
	}
	return fmt.Sprintf("%d:%d", c.A, c.B)
}

// ParseCommunity parses the notation String writes. Parts are decimal
// without sign or spaces, at most 5 digits for a standard community and
// 10 for a large one: the same strings the CRD's rule accepts.
func ParseCommunity(s string) (Community, error) {
	parts := strings.Split(s, ":")
	bits, digits := 32, 10
	switch len(parts) {
	case 2:
		bits, digits = 16, 5
	case 3:
	default:
		return Community{}, fmt.Errorf("%q: %w", s, ErrCommunity)
	}
	var n [3]uint32
	for i, p := range parts {
		if p == "" || len(p) > digits || strings.TrimLeft(p, "0123456789") != "" {
			return Community{}, fmt.Errorf("%q: %w", s, ErrCommunity)
		}
		v, err := strconv.ParseUint(p, 10, bits)
		if err != nil {
			return Community{}, fmt.Errorf("%q: part %d out of range: %w", s, i+1, ErrCommunity)
		}
		n[i] = uint32(v)
	}
	return Community{Large: len(parts) == 3, A: n[0], B: n[1], C: n[2]}, nil
}
