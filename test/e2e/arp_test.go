package e2e

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"time"

	"github.com/mdlayher/arp"
	"github.com/mdlayher/ethernet"
)

// arpAnswers sends one ARP request for vip from the client and collects the
// MACs of every reply within wait: two MACs mean two nodes answer. Faster
// than arping, which listens a whole second to catch a duplicate.
func (w *world) arpAnswers(vip netip.Addr, wait time.Duration) ([]string, error) {
	got, err := w.arpAnswersMany([]netip.Addr{vip}, wait)
	return got[vip], err
}

// arpAnswersMany asks for many addresses at once and collects the
// answering MACs per address within one window.
func (w *world) arpAnswersMany(vips []netip.Addr, wait time.Duration) (map[netip.Addr][]string, error) {
	macs := map[netip.Addr][]string{}
	err := w.lab.Client.Do(func() error {
		ifi, err := net.InterfaceByName(w.lab.Client.Iface)
		if err != nil {
			return err
		}
		c, err := arp.Dial(ifi)
		if err != nil {
			return err
		}
		defer c.Close()
		for _, vip := range vips {
			req, err := arp.NewPacket(arp.OperationRequest, ifi.HardwareAddr, w.lab.Client.IPv4, ethernet.Broadcast, vip)
			if err != nil {
				return err
			}
			if err := c.WriteTo(req, ethernet.Broadcast); err != nil {
				return err
			}
		}
		deadline := time.Now().Add(wait)
		seen := map[string]bool{}
		for {
			if err := c.SetReadDeadline(deadline); err != nil {
				return err
			}
			p, _, err := c.Read()
			if errors.Is(err, os.ErrDeadlineExceeded) {
				return nil
			}
			if err != nil {
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					return nil
				}
				return err
			}
			key := p.SenderIP.String() + " " + p.SenderHardwareAddr.String()
			if p.Operation == arp.OperationReply && !seen[key] {
				seen[key] = true
				macs[p.SenderIP] = append(macs[p.SenderIP], p.SenderHardwareAddr.String())
			}
		}
	})
	return macs, err
}
