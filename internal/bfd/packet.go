package bfd

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// State is a session state (RFC 5880 4.1).
type State uint8

// The states, in wire order.
const (
	AdminDown State = iota
	Down
	Init
	Up
)

func (s State) String() string {
	switch s {
	case AdminDown:
		return "AdminDown"
	case Down:
		return "Down"
	case Init:
		return "Init"
	case Up:
		return "Up"
	}
	return fmt.Sprintf("State(%d)", uint8(s))
}

// Diag says why a session last left Up (RFC 5880 4.1).
type Diag uint8

// The diagnostic codes this package sets.
const (
	DiagNone               Diag = 0
	DiagDetectionExpired   Diag = 1
	DiagNeighborSignaled   Diag = 3
	DiagAdministrativeDown Diag = 7
)

// Packet is a BFD control packet without authentication.
type Packet struct {
	Diag       Diag
	State      State
	Poll       bool
	Final      bool
	CPIndep    bool
	Demand     bool
	DetectMult uint8
	MyDisc     uint32
	YourDisc   uint32
	// The intervals, microseconds on the wire.
	DesiredMinTx, RequiredMinRx, RequiredMinEchoRx time.Duration
}

const (
	version   = 1
	headerLen = 24
)

// Parse errors: the checks of RFC 5880 6.8.6 that need no session.
var (
	ErrShort      = errors.New("bfd: shorter than a control packet")
	ErrVersion    = errors.New("bfd: not version 1")
	ErrLength     = errors.New("bfd: length field does not fit the packet")
	ErrDetectMult = errors.New("bfd: detect multiplier is zero")
	ErrMultipoint = errors.New("bfd: multipoint bit set")
	ErrMyDisc     = errors.New("bfd: my discriminator is zero")
	ErrAuth       = errors.New("bfd: authentication is not configured")
)

// Parse decodes and checks a control packet.
func Parse(b []byte) (Packet, error) {
	if len(b) < headerLen {
		return Packet{}, ErrShort
	}
	if b[0]>>5 != version {
		return Packet{}, ErrVersion
	}
	if l := int(b[3]); l < headerLen || l > len(b) {
		return Packet{}, ErrLength
	}
	flags := b[1]
	p := Packet{
		Diag:              Diag(b[0] & 0x1f),
		State:             State(flags >> 6),
		Poll:              flags&0x20 != 0,
		Final:             flags&0x10 != 0,
		CPIndep:           flags&0x08 != 0,
		Demand:            flags&0x02 != 0,
		DetectMult:        b[2],
		MyDisc:            binary.BigEndian.Uint32(b[4:]),
		YourDisc:          binary.BigEndian.Uint32(b[8:]),
		DesiredMinTx:      micros(b[12:]),
		RequiredMinRx:     micros(b[16:]),
		RequiredMinEchoRx: micros(b[20:]),
	}
	switch {
	case flags&0x04 != 0:
		return Packet{}, ErrAuth
	case flags&0x01 != 0:
		return Packet{}, ErrMultipoint
	case p.DetectMult == 0:
		return Packet{}, ErrDetectMult
	case p.MyDisc == 0:
		return Packet{}, ErrMyDisc
	}
	return p, nil
}

func micros(b []byte) time.Duration {
	return time.Duration(binary.BigEndian.Uint32(b)) * time.Microsecond
}

// Marshal encodes p.
func (p Packet) Marshal() []byte {
	b := make([]byte, headerLen)
	b[0] = version<<5 | byte(p.Diag&0x1f)
	b[1] = byte(p.State&3) << 6
	for bit, on := range map[byte]bool{0x20: p.Poll, 0x10: p.Final, 0x08: p.CPIndep, 0x02: p.Demand} {
		if on {
			b[1] |= bit
		}
	}
	b[2] = p.DetectMult
	b[3] = headerLen
	binary.BigEndian.PutUint32(b[4:], p.MyDisc)
	binary.BigEndian.PutUint32(b[8:], p.YourDisc)
	binary.BigEndian.PutUint32(b[12:], usec(p.DesiredMinTx))
	binary.BigEndian.PutUint32(b[16:], usec(p.RequiredMinRx))
	binary.BigEndian.PutUint32(b[20:], usec(p.RequiredMinEchoRx))
	return b
}

func usec(d time.Duration) uint32 {
	us := d / time.Microsecond
	if us < 0 {
		return 0
	}
	if us > 1<<32-1 {
		return 1<<32 - 1
	}
	return uint32(us)
}
