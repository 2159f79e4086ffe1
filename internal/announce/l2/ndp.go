package l2

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"syscall"

	"github.com/mdlayher/ndp"
	"golang.org/x/net/ipv6"
	"golang.org/x/sys/unix"
)

var allNodes = netip.MustParseAddr("ff02::1")

// ndpWire answers Neighbor Solicitations on one interface, with a raw ICMPv6
// socket and mdlayher/ndp's message codec. It does not use ndp.Listen because
// the socket needs two options ndp.Conn cannot set: IPV6_FREEBIND, to send
// advertisements from the virtual address without the namespace-wide
// ip_nonlocal_bind sysctl, and SO_BINDTODEVICE, which scopes the socket to
// the interface without needing a link-local address on it.
type ndpWire struct {
	pc     *ipv6.PacketConn
	ifi    *net.Interface
	mac    net.HardwareAddr
	groups map[netip.Addr]int // solicited-node group -> owned addresses in it; guarded by the responder
	buf    []byte
}

var _ wire = (*ndpWire)(nil)

func openNDP(info ifaceInfo) (*ndpWire, error) {
	ifi := netInterface(info)
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var optErr error
		err := c.Control(func(fd uintptr) {
			optErr = errors.Join(
				unix.SetsockoptInt(int(fd), unix.IPPROTO_IPV6, unix.IPV6_FREEBIND, 1),
				unix.BindToDevice(int(fd), ifi.Name),
			)
		})
		return errors.Join(err, optErr)
	}}
	c, err := lc.ListenPacket(context.Background(), "ip6:ipv6-icmp", "::")
	if err != nil {
		return nil, fmt.Errorf("open NDP socket on %s: %w", ifi.Name, err)
	}
	pc := ipv6.NewPacketConn(c)
	var filter ipv6.ICMPFilter
	filter.SetAll(true)
	filter.Accept(ipv6.ICMPTypeNeighborSolicitation)
	// Other nodes' unsolicited advertisements tell a node handing an
	// address over that the successor answers now.
	filter.Accept(ipv6.ICMPTypeNeighborAdvertisement)
	if err := errors.Join(
		pc.SetHopLimit(ndp.HopLimit),
		pc.SetMulticastHopLimit(ndp.HopLimit),
		pc.SetICMPFilter(&filter),
		// The hop limit tells whether a solicitation came from this link.
		pc.SetControlMessage(ipv6.FlagHopLimit, true),
	); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("configure NDP socket on %s: %w", ifi.Name, err)
	}
	return &ndpWire{pc: pc, ifi: ifi, mac: info.MAC, groups: make(map[netip.Addr]int), buf: make([]byte, 65536)}, nil
}

func (w *ndpWire) receive() (request, error) {
	for {
		n, cm, src, err := w.pc.ReadFrom(w.buf)
		if err != nil {
			return request{}, fmt.Errorf("read NDP: %w", err)
		}
		// RFC 4861 7.1.1: a solicitation with a hop limit below 255 was
		// routed here from elsewhere and must be ignored.
		if cm == nil || cm.HopLimit != ndp.HopLimit {
			continue
		}
		m, err := ndp.ParseMessage(w.buf[:n])
		if err != nil {
			continue
		}
		if na, ok := m.(*ndp.NeighborAdvertisement); ok {
			if mac := naTargetMAC(na); !na.Solicited && mac != nil && !bytes.Equal(mac, w.mac) {
				return request{target: na.TargetAddress, senderMAC: mac, claim: true}, nil
			}
			continue
		}
		ns, ok := m.(*ndp.NeighborSolicitation)
		if !ok {
			continue
		}
		ipa, ok := src.(*net.IPAddr)
		if !ok {
			continue
		}
		sender, ok := netip.AddrFromSlice(ipa.IP)
		if !ok {
			continue
		}
		return request{target: ns.TargetAddress, sender: sender}, nil
	}
}

func (w *ndpWire) reply(req request) error {
	// RFC 4861 7.2.4: a solicitation from the unspecified address (duplicate
	// address detection) is answered to all nodes, without the Solicited flag.
	dst, solicited := req.sender, true
	if dst.IsUnspecified() {
		dst, solicited = allNodes, false
	}
	return w.advertise(req.target, dst, solicited)
}

func (w *ndpWire) announce(addr netip.Addr) (int, error) {
	if err := w.advertise(addr, allNodes, false); err != nil {
		return 0, err
	}
	return 1, nil
}

// advertise sends a Neighbor Advertisement for target with Override set, so
// that it replaces whatever MAC the receiver had, sourced from the target
// itself (see the package documentation for why).
func (w *ndpWire) advertise(target, dst netip.Addr, solicited bool) error {
	b, err := ndp.MarshalMessage(&ndp.NeighborAdvertisement{
		Solicited:     solicited,
		Override:      true,
		TargetAddress: target,
		Options:       []ndp.Option{&ndp.LinkLayerAddress{Direction: ndp.Target, Addr: w.mac}},
	})
	if err != nil {
		return fmt.Errorf("marshal neighbor advertisement: %w", err)
	}
	cm := &ipv6.ControlMessage{HopLimit: ndp.HopLimit, Src: target.AsSlice(), IfIndex: w.ifi.Index}
	// The zone is the numeric index: a name would be resolved through
	// netlink in whatever network namespace the sending thread is in.
	to := &net.IPAddr{IP: dst.AsSlice(), Zone: strconv.Itoa(w.ifi.Index)}
	if _, err := w.pc.WriteTo(b, cm, to); err != nil {
		return fmt.Errorf("write neighbor advertisement: %w", err)
	}
	return nil
}

// join subscribes the interface to addr's solicited-node group, where
// solicitations for it are sent. Several addresses can share a group.
func (w *ndpWire) join(addr netip.Addr) error {
	g, err := ndp.SolicitedNodeMulticast(addr)
	if err != nil {
		return fmt.Errorf("solicited-node group of %s: %w", addr, err)
	}
	if w.groups[g] == 0 {
		if err := w.pc.JoinGroup(w.ifi, &net.IPAddr{IP: g.AsSlice()}); err != nil {
			return fmt.Errorf("join %s on %s: %w", g, w.ifi.Name, err)
		}
	}
	w.groups[g]++
	return nil
}

func (w *ndpWire) leave(addr netip.Addr) error {
	g, err := ndp.SolicitedNodeMulticast(addr)
	if err != nil {
		return fmt.Errorf("solicited-node group of %s: %w", addr, err)
	}
	if w.groups[g] == 0 {
		return nil
	}
	w.groups[g]--
	if w.groups[g] > 0 {
		return nil
	}
	delete(w.groups, g)
	if err := w.pc.LeaveGroup(w.ifi, &net.IPAddr{IP: g.AsSlice()}); err != nil {
		return fmt.Errorf("leave %s on %s: %w", g, w.ifi.Name, err)
	}
	return nil
}

func (w *ndpWire) close() error { return w.pc.Close() }

// naTargetMAC returns the target link-layer address an advertisement
// carries, nil if none.
func naTargetMAC(na *ndp.NeighborAdvertisement) net.HardwareAddr {
	for _, o := range na.Options {
		if lla, ok := o.(*ndp.LinkLayerAddress); ok && lla.Direction == ndp.Target {
			return lla.Addr
		}
	}
	return nil
}
