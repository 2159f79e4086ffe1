package lab

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// ManagedBy is the endpointslice.kubernetes.io/managed-by value of the
// slices Endpoints writes, so that no controller mistakes them for its own.
const ManagedBy = "lab.farol.dev"

// Endpoints makes the backends the endpoints of a Service, as the
// EndpointSlice controller would for its pods: one slice per address
// family, named <service>-lab-ipv4 and <service>-lab-ipv6, created or
// replaced; a family without backends loses its slice. Every endpoint
// carries its node's name and the given readiness (ready and serving).
//
// The backends must share one port. kube-proxy matches slice ports to
// Service ports by name, so the slice's ports are named after the
// Service's: its only TCP port, or else every TCP port whose targetPort is
// the backends' port.
func (l *Lab) Endpoints(ctx context.Context, namespace, service string, backends []*Backend, ready bool) error {
	if err := l.endpoints(ctx, namespace, service, backends, ready); err != nil {
		return fmt.Errorf("endpoints of %s/%s: %w", namespace, service, err)
	}
	return nil
}

func (l *Lab) endpoints(ctx context.Context, namespace, service string, backends []*Backend, ready bool) error {
	var svc *corev1.Service
	if len(backends) > 0 {
		var err error
		if svc, err = l.kube.CoreV1().Services(namespace).Get(ctx, service, metav1.GetOptions{}); err != nil {
			return err
		}
	} else {
		svc = &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: service}}
	}
	want, err := EndpointSlices(svc, backends, ready)
	if err != nil {
		return err
	}
	for _, family := range []discoveryv1.AddressType{discoveryv1.AddressTypeIPv4, discoveryv1.AddressTypeIPv6} {
		if s := want[family]; s != nil {
			err = l.applySlice(ctx, s)
		} else {
			err = l.kube.DiscoveryV1().EndpointSlices(namespace).Delete(ctx, sliceName(service, family), metav1.DeleteOptions{})
			if apierrors.IsNotFound(err) {
				err = nil
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// EndpointSlices returns the slices Endpoints writes for svc, by address
// family (none for a family without backends), for a caller that creates
// many at once and wants one request per slice.
func EndpointSlices(svc *corev1.Service, backends []*Backend, ready bool) (map[discoveryv1.AddressType]*discoveryv1.EndpointSlice, error) {
	byFamily := map[discoveryv1.AddressType][]*Backend{}
	for _, b := range backends {
		if b.Addr.Port() != backends[0].Addr.Port() {
			return nil, fmt.Errorf("backends on ports %d and %d: a slice has one set of ports", backends[0].Addr.Port(), b.Addr.Port())
		}
		family := discoveryv1.AddressTypeIPv4
		if b.Addr.Addr().Is6() {
			family = discoveryv1.AddressTypeIPv6
		}
		byFamily[family] = append(byFamily[family], b)
	}
	out := map[discoveryv1.AddressType]*discoveryv1.EndpointSlice{}
	if len(backends) == 0 {
		return out, nil
	}
	ports, err := slicePorts(svc, backends[0].Addr.Port())
	if err != nil {
		return nil, err
	}
	for family, bs := range byFamily {
		out[family] = endpointSlice(svc.Namespace, sliceName(svc.Name, family), svc.Name, family, ports, bs, ready)
	}
	return out, nil
}

func sliceName(service string, family discoveryv1.AddressType) string {
	return service + "-lab-" + strings.ToLower(string(family))
}

// slicePorts are the Service's ports the backends serve, as slice ports
// carrying the backends' own port number.
func slicePorts(svc *corev1.Service, port uint16) ([]discoveryv1.EndpointPort, error) {
	var tcp []corev1.ServicePort
	for _, p := range svc.Spec.Ports {
		if p.Protocol == corev1.ProtocolTCP || p.Protocol == "" {
			tcp = append(tcp, p)
		}
	}
	var match []corev1.ServicePort
	if len(tcp) == 1 {
		match = tcp
	} else {
		for _, p := range tcp {
			if p.TargetPort.IntValue() == int(port) {
				match = append(match, p)
			}
		}
	}
	if len(match) == 0 {
		return nil, fmt.Errorf("no TCP port of the Service targets the backends' port %d", port)
	}
	ports := make([]discoveryv1.EndpointPort, 0, len(match))
	for _, p := range match {
		ports = append(ports, discoveryv1.EndpointPort{
			Name:     ptr.To(p.Name),
			Protocol: ptr.To(corev1.ProtocolTCP),
			Port:     ptr.To(int32(port)),
		})
	}
	return ports, nil
}

func endpointSlice(namespace, name, service string, family discoveryv1.AddressType, ports []discoveryv1.EndpointPort, backends []*Backend, ready bool) *discoveryv1.EndpointSlice {
	s := &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{
			Name:      name,
			Namespace: namespace,
			Labels: map[string]string{
				discoveryv1.LabelServiceName: service,
				discoveryv1.LabelManagedBy:   ManagedBy,
			},
		},
		AddressType: family,
		Ports:       ports,
	}
	for _, b := range backends {
		s.Endpoints = append(s.Endpoints, discoveryv1.Endpoint{
			Addresses: []string{b.Addr.Addr().String()},
			Conditions: discoveryv1.EndpointConditions{
				Ready:       ptr.To(ready),
				Serving:     ptr.To(ready),
				Terminating: ptr.To(false),
			},
			NodeName: ptr.To(b.Node.Name),
		})
	}
	return s
}

// applySlice creates the slice or replaces the existing one's content.
func (l *Lab) applySlice(ctx context.Context, want *discoveryv1.EndpointSlice) error {
	c := l.kube.DiscoveryV1().EndpointSlices(want.Namespace)
	got, err := c.Get(ctx, want.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		_, err = c.Create(ctx, want, metav1.CreateOptions{})
		return err
	}
	if err != nil {
		return err
	}
	want.ResourceVersion = got.ResourceVersion
	_, err = c.Update(ctx, want, metav1.UpdateOptions{})
	return err
}
