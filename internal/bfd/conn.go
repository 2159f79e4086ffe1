package bfd

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"syscall"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// Single-hop BFD runs over UDP to port 3784, from a source port in
// 49152–65535, with TTL (hop limit) 255 both ways, so that a packet that
// crossed a router, which lowers it, is refused (RFC 5881 4, 5).
const (
	controlPort = 3784
	ttl         = 255
)

// ListenFunc opens a packet socket; the runner's callers pass one that
// opens it in the right network namespace when they need to.
type ListenFunc func(network, address string) (net.PacketConn, error)

// received is a packet with the address it came from and its TTL.
type received struct {
	b    []byte
	from netip.Addr
	ttl  int
}

// rxConn reads control packets with their TTL.
type rxConn interface {
	read(buf []byte) (received, error)
	Close() error
}

type rx4 struct{ *ipv4.PacketConn }

func (c rx4) read(buf []byte) (received, error) {
	n, cm, from, err := c.ReadFrom(buf)
	if err != nil {
		return received{}, err
	}
	r := received{b: buf[:n], ttl: -1}
	if cm != nil {
		r.ttl = cm.TTL
	}
	if u, ok := from.(*net.UDPAddr); ok {
		r.from = u.AddrPort().Addr().Unmap()
	}
	return r, nil
}

type rx6 struct{ *ipv6.PacketConn }

func (c rx6) read(buf []byte) (received, error) {
	n, cm, from, err := c.ReadFrom(buf)
	if err != nil {
		return received{}, err
	}
	r := received{b: buf[:n], ttl: -1}
	if cm != nil {
		r.ttl = cm.HopLimit
	}
	if u, ok := from.(*net.UDPAddr); ok {
		r.from = u.AddrPort().Addr()
	}
	return r, nil
}

// listenControl opens the receiving socket of one family on port 3784.
func listenControl(listen ListenFunc, v6 bool) (rxConn, error) {
	if v6 {
		c, err := listen("udp6", fmt.Sprintf("[::]:%d", controlPort))
		if err != nil {
			return nil, err
		}
		p := ipv6.NewPacketConn(c)
		if err := p.SetControlMessage(ipv6.FlagHopLimit, true); err != nil {
			_ = c.Close()
			return nil, err
		}
		return rx6{p}, nil
	}
	c, err := listen("udp4", fmt.Sprintf("0.0.0.0:%d", controlPort))
	if err != nil {
		return nil, err
	}
	p := ipv4.NewPacketConn(c)
	if err := p.SetControlMessage(ipv4.FlagTTL, true); err != nil {
		_ = c.Close()
		return nil, err
	}
	return rx4{p}, nil
}

// txConn sends one session's packets from local to the peer.
type txConn struct {
	c  net.PacketConn
	to *net.UDPAddr
}

// dialControl binds a sending socket on local at a free port in
// 49152–65535 with TTL 255.
func dialControl(listen ListenFunc, local, remote netip.Addr) (*txConn, error) {
	network := "udp4"
	if remote.Is6() && !remote.Is4In6() {
		network = "udp6"
	}
	var last error
	for range 32 {
		port := 49152 + rand.IntN(65536-49152)
		c, err := listen(network, netip.AddrPortFrom(local, uint16(port)).String())
		if errors.Is(err, syscall.EADDRINUSE) {
			last = err
			continue
		}
		if err != nil {
			return nil, err
		}
		if network == "udp4" {
			err = ipv4.NewPacketConn(c).SetTTL(ttl)
		} else {
			err = ipv6.NewPacketConn(c).SetHopLimit(ttl)
		}
		if err != nil {
			_ = c.Close()
			return nil, err
		}
		return &txConn{c: c, to: net.UDPAddrFromAddrPort(netip.AddrPortFrom(remote, controlPort))}, nil
	}
	return nil, fmt.Errorf("bfd: no free source port: %w", last)
}

func (t *txConn) send(p Packet) error {
	_, err := t.c.WriteTo(p.Marshal(), t.to)
	return err
}
