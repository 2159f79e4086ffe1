package main

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/farol-lb/farol/test/lab"
)

// routedService is the demo's BGP Service: Local traffic, so the node a
// connection lands on is the node whose backend answers, which shows the
// router's ECMP spreading connections.
const routedService = `apiVersion: v1
kind: Service
metadata:
  name: routed
  namespace: demo
  annotations:
    farol.dev/pool: routed
spec:
  type: LoadBalancer
  externalTrafficPolicy: Local
  selector: {app: routed}
  ports: [{name: http, port: 80, targetPort: 8080}]
`

// bgp starts an FRR router on the LAN, applies config/samples/bgp.yaml (a
// second pool advertised over BGP with TCP MD5 and BFD) and shows the
// router's multipath route and a client's connections landing on several
// nodes.
func (d *demo) bgp() error {
	step("BGP: an FRR router joins the LAN; config/samples/bgp.yaml advertises a second pool to it from every node (TCP MD5, BFD 100 ms x 3)")
	r, err := d.lab.StartRouter(d.ctx, lab.RouterOptions{Daemon: lab.FRR, GracefulRestart: true,
		Peers: []lab.RouterPeer{{Range: d.lab.Subnet4, Password: "change-me", BFD: &lab.BFDOptions{}}}})
	if err != nil {
		return err
	}
	sample, err := os.ReadFile(filepath.Join(d.root, "config", "samples", "bgp.yaml"))
	if err != nil {
		return err
	}
	// The sample names the router 10.77.0.1, the lab's router address.
	manifest := strings.ReplaceAll(string(sample), "peerAddress: 10.77.0.1", "peerAddress: "+r.Host.IPv4.String())
	if err := d.apply(manifest + "---\n" + routedService); err != nil {
		return err
	}
	if err := d.backends("routed"); err != nil {
		return err
	}
	cs, err := kubernetes.NewForConfig(d.lab.Config)
	if err != nil {
		return err
	}
	var vip netip.Addr
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		if s, err := cs.CoreV1().Services("demo").Get(d.ctx, "routed", metav1.GetOptions{}); err == nil {
			vip = firstIPv4(s)
		}
		if vip.IsValid() {
			if rs, err := r.Routes(d.ctx, netip.PrefixFrom(vip, 32)); err == nil && len(rs) == 1 && len(rs[0].NextHops) == len(d.lab.Nodes) {
				break
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the router has no route with %d next hops to the routed Service's address %v after 60s", len(d.lab.Nodes), vip)
		}
	}
	if err := r.RouteClient(d.ctx, netip.PrefixFrom(vip, 32)); err != nil {
		return err
	}
	fmt.Printf("router$ ip route show %s\n", vip)
	out, err := r.Host.Command(d.ctx, "ip", "route", "show", vip.String()).CombinedOutput()
	fmt.Print(indent(string(out)))
	if err != nil {
		return err
	}
	step("the client, behind the router, opens 9 connections to %s: the router spreads them over the nodes", vip)
	for range 9 {
		if _, err := d.client("curl", "-s", "--max-time", "2", "http://"+vip.String()+"/"); err != nil {
			return err
		}
	}
	return nil
}

// apply pipes a manifest into kubectl apply, showing the command.
func (d *demo) apply(manifest string) error {
	fmt.Println("$ kubectl apply -f -   # config/samples/bgp.yaml and a Service in the routed pool")
	cmd := d.lab.Cluster.Kubectl("apply", "-f", "-")
	cmd.Stdin = strings.NewReader(manifest)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	return cmd.Run()
}
