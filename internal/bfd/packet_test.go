package bfd

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	good := Packet{Diag: DiagDetectionExpired, State: Up, Poll: true, DetectMult: 3, MyDisc: 1, YourDisc: 2,
		DesiredMinTx: 100 * time.Millisecond, RequiredMinRx: 300 * time.Millisecond}
	b := good.Marshal()
	if got, err := Parse(b); err != nil || got != good {
		t.Fatalf("round trip: %+v, %v; want %+v", got, err, good)
	}
	// The bytes RFC 5880 4.1 lays out: version 1, diag 1; Up (3) with P;
	// multiplier 3; length 24; the discriminators; intervals in µs.
	want := []byte{0x21, 0xe0, 3, 24, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0x01, 0x86, 0xa0, 0, 0x04, 0x93, 0xe0, 0, 0, 0, 0}
	if !bytes.Equal(b, want) {
		t.Fatalf("wire bytes\n got %x\nwant %x", b, want)
	}
	bad := func(f func([]byte)) []byte {
		c := bytes.Clone(want)
		f(c)
		return c
	}
	for name, tc := range map[string]struct {
		b   []byte
		err error
	}{
		"short":           {want[:23], ErrShort},
		"version 0":       {bad(func(c []byte) { c[0] = 0x01 }), ErrVersion},
		"length 23":       {bad(func(c []byte) { c[3] = 23 }), ErrLength},
		"length past end": {bad(func(c []byte) { c[3] = 25 }), ErrLength},
		"multiplier 0":    {bad(func(c []byte) { c[2] = 0 }), ErrDetectMult},
		"multipoint":      {bad(func(c []byte) { c[1] |= 0x01 }), ErrMultipoint},
		"my discr. 0":     {bad(func(c []byte) { c[7] = 0 }), ErrMyDisc},
		"authentication":  {bad(func(c []byte) { c[1] |= 0x04 }), ErrAuth},
		"longer is fine":  {append(bytes.Clone(want), 0xff), nil},
	} {
		if _, err := Parse(tc.b); !errors.Is(err, tc.err) {
			t.Errorf("%s: %v, want %v", name, err, tc.err)
		}
	}
}

// FuzzParse: Parse never panics, and what it accepts encodes back to the
// same 24 bytes (the mandatory section), apart from the bits it does not
// keep.
func FuzzParse(f *testing.F) {
	f.Add(Packet{State: Down, DetectMult: 3, MyDisc: 1}.Marshal())
	f.Add(Packet{State: Up, Final: true, DetectMult: 1, MyDisc: 9, YourDisc: 4, DesiredMinTx: time.Second}.Marshal())
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Parse(b)
		if err != nil {
			return
		}
		again, err := Parse(p.Marshal())
		if err != nil || again != p {
			t.Fatalf("re-encoded %+v parses as %+v, %v", p, again, err)
		}
		if !bytes.Equal(p.Marshal()[4:], b[4:24]) {
			t.Fatalf("discriminators or intervals changed: %x -> %x", b[:24], p.Marshal())
		}
	})
}
