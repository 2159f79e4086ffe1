package l2

import (
	"bytes"
	"fmt"
	"net"
	"net/netip"

	"github.com/mdlayher/arp"
	"github.com/mdlayher/packet"
)

const (
	etherTypeARP  = 0x0806
	etherTypeIPv4 = 0x0800
	hwTypeEther   = 1
)

var (
	broadcastMAC = net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	zeroMAC      = net.HardwareAddr{0, 0, 0, 0, 0, 0}
)

// arpWire answers ARP on one interface. It uses a datagram packet socket, so
// the kernel builds and strips the Ethernet header, and parses ARP with
// mdlayher/arp; arp.Dial is not used because it insists on an IPv4 address
// on the interface, which RequireSubnet=false does not need.
type arpWire struct {
	conn *packet.Conn
	mac  net.HardwareAddr
	buf  []byte
}

var _ wire = (*arpWire)(nil)

func openARP(ifi ifaceInfo) (*arpWire, error) {
	conn, err := packet.Listen(netInterface(ifi), packet.Datagram, etherTypeARP, nil)
	if err != nil {
		return nil, fmt.Errorf("open ARP socket on %s: %w", ifi.Name, err)
	}
	return &arpWire{conn: conn, mac: ifi.MAC, buf: make([]byte, 1500)}, nil
}

func (w *arpWire) receive() (request, error) {
	for {
		n, _, err := w.conn.ReadFrom(w.buf)
		if err != nil {
			return request{}, fmt.Errorf("read ARP: %w", err)
		}
		var p arp.Packet
		if p.UnmarshalBinary(w.buf[:n]) != nil ||
			p.HardwareType != hwTypeEther || p.ProtocolType != etherTypeIPv4 ||
			p.HardwareAddrLength != 6 || p.IPLength != 4 {
			continue
		}
		// The packet socket also sees frames this host sends, ours and the
		// kernel's; they are never questions for us.
		if bytes.Equal(p.SenderHardwareAddr, w.mac) {
			continue
		}
		// Sender equal to target, in a request or a broadcast reply, is
		// another node's gratuitous ARP: it answers for the address now.
		if p.SenderIP == p.TargetIP {
			return request{target: p.TargetIP, senderMAC: p.SenderHardwareAddr, claim: true}, nil
		}
		if p.Operation != arp.OperationRequest {
			continue
		}
		return request{target: p.TargetIP, sender: p.SenderIP, senderMAC: p.SenderHardwareAddr}, nil
	}
}

func (w *arpWire) reply(req request) error {
	// An RFC 5227 probe has sender 0.0.0.0: the reply goes to its MAC all the
	// same, telling the prober that the address is taken.
	p, err := arp.NewPacket(arp.OperationReply, w.mac, req.target, req.senderMAC, req.sender)
	if err != nil {
		return fmt.Errorf("build ARP reply: %w", err)
	}
	return w.send(p, req.senderMAC)
}

// announce sends both forms of gratuitous ARP: an announcement (a request
// with sender = target, RFC 5227) and a broadcast reply. Hosts and switches
// differ in which one they honour, and two small frames cost nothing.
func (w *arpWire) announce(addr netip.Addr) (int, error) {
	sent := 0
	for _, form := range []struct {
		op     arp.Operation
		target net.HardwareAddr
	}{{arp.OperationRequest, zeroMAC}, {arp.OperationReply, broadcastMAC}} {
		p, err := arp.NewPacket(form.op, w.mac, addr, form.target, addr)
		if err != nil {
			return sent, fmt.Errorf("build gratuitous ARP: %w", err)
		}
		if err := w.send(p, broadcastMAC); err != nil {
			return sent, err
		}
		sent++
	}
	return sent, nil
}

func (w *arpWire) send(p *arp.Packet, to net.HardwareAddr) error {
	b, err := p.MarshalBinary()
	if err != nil {
		return fmt.Errorf("marshal ARP: %w", err)
	}
	if _, err := w.conn.WriteTo(b, &packet.Addr{HardwareAddr: to}); err != nil {
		return fmt.Errorf("write ARP: %w", err)
	}
	return nil
}

// ARP requests are broadcast: there is nothing to join.
func (w *arpWire) join(netip.Addr) error  { return nil }
func (w *arpWire) leave(netip.Addr) error { return nil }

func (w *arpWire) close() error { return w.conn.Close() }
