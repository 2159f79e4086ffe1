package lab

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestSlicePorts(t *testing.T) {
	tcp := func(name string, port, target int32) corev1.ServicePort {
		return corev1.ServicePort{Name: name, Protocol: corev1.ProtocolTCP, Port: port, TargetPort: intstr.FromInt32(target)}
	}
	udp := corev1.ServicePort{Name: "dns", Protocol: corev1.ProtocolUDP, Port: 53, TargetPort: intstr.FromInt32(8080)}
	tests := map[string]struct {
		ports   []corev1.ServicePort
		want    []string // names of the slice ports
		wantErr bool
	}{
		"only TCP port, whatever its target": {ports: []corev1.ServicePort{tcp("http", 80, 80)}, want: []string{"http"}},
		"UDP ports do not count":             {ports: []corev1.ServicePort{udp, tcp("http", 80, 80)}, want: []string{"http"}},
		"several: by target":                 {ports: []corev1.ServicePort{tcp("a", 80, 8080), tcp("b", 81, 9090), tcp("c", 82, 8080)}, want: []string{"a", "c"}},
		"several, none targets the port":     {ports: []corev1.ServicePort{tcp("a", 80, 80), tcp("b", 81, 81)}, wantErr: true},
		"no TCP port":                        {ports: []corev1.ServicePort{udp}, wantErr: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			svc := &corev1.Service{Spec: corev1.ServiceSpec{Ports: tc.ports}}
			got, err := slicePorts(svc, 8080)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			var names []string
			for _, p := range got {
				names = append(names, *p.Name)
				if *p.Port != 8080 || *p.Protocol != corev1.ProtocolTCP {
					t.Errorf("port %s = %d/%s, want 8080/TCP", *p.Name, *p.Port, *p.Protocol)
				}
			}
			if !slices.Equal(names, tc.want) {
				t.Errorf("ports %v, want %v", names, tc.want)
			}
		})
	}
}

// TestEndpointSlices: one slice per family of the backends, named after
// the Service and the family, each endpoint on its backend's node with the
// given readiness; mixed ports are refused.
func TestEndpointSlices(t *testing.T) {
	n1, n2 := &Node{Host: Host{Name: "node-1"}}, &Node{Host: Host{Name: "node-2"}}
	be := func(n *Node, addr string) *Backend { return &Backend{Node: n, Addr: netip.MustParseAddrPort(addr)} }
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "web"},
		Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Name: "http", Protocol: corev1.ProtocolTCP, Port: 80}}}}
	got, err := EndpointSlices(svc, []*Backend{be(n1, "10.244.1.1:8080"), be(n2, "10.244.2.1:8080"), be(n1, "[fd00:244:1::1]:8080")}, false)
	if err != nil {
		t.Fatal(err)
	}
	want := map[discoveryv1.AddressType][]string{
		discoveryv1.AddressTypeIPv4: {"10.244.1.1@node-1", "10.244.2.1@node-2"},
		discoveryv1.AddressTypeIPv6: {"fd00:244:1::1@node-1"},
	}
	if len(got) != len(want) {
		t.Fatalf("%d slices, want %d", len(got), len(want))
	}
	for family, eps := range want {
		s := got[family]
		if s == nil {
			t.Fatalf("no %s slice", family)
		}
		if name := "web-lab-" + strings.ToLower(string(family)); s.Name != name || s.Namespace != "ns" || s.Labels[discoveryv1.LabelServiceName] != "web" {
			t.Errorf("%s slice is %s/%s for %q, want ns/%s for web", family, s.Namespace, s.Name, s.Labels[discoveryv1.LabelServiceName], name)
		}
		var gotEps []string
		for _, e := range s.Endpoints {
			gotEps = append(gotEps, e.Addresses[0]+"@"+*e.NodeName)
			if *e.Conditions.Ready {
				t.Errorf("%s: ready, want not ready", e.Addresses[0])
			}
		}
		if !slices.Equal(gotEps, eps) {
			t.Errorf("%s endpoints %v, want %v", family, gotEps, eps)
		}
	}
	if _, err := EndpointSlices(svc, []*Backend{be(n1, "10.244.1.1:8080"), be(n2, "10.244.2.1:9090")}, true); err == nil {
		t.Errorf("backends on two ports: no error")
	}
}
