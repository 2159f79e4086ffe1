// Package gen builds test objects with functional options, so a test says
// only what matters to it: gen.Service("web", gen.WithPool("blue")).
package gen

import (
	"strconv"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
)

// ServiceOption changes a Service under construction.
type ServiceOption func(*corev1.Service)

// Service returns a single-stack IPv4 LoadBalancer Service on TCP/80.
func Service(name string, opts ...ServiceOption) *corev1.Service {
	single := corev1.IPFamilyPolicySingleStack
	s := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: corev1.ServiceSpec{
			Type:           corev1.ServiceTypeLoadBalancer,
			Selector:       map[string]string{"app": name},
			Ports:          []corev1.ServicePort{{Name: "http", Protocol: corev1.ProtocolTCP, Port: 80}},
			IPFamilyPolicy: &single,
			IPFamilies:     []corev1.IPFamily{corev1.IPv4Protocol},
		},
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// InNamespace places the Service.
func InNamespace(ns string) ServiceOption { return func(s *corev1.Service) { s.Namespace = ns } }

// WithAnnotation sets one annotation.
func WithAnnotation(k, v string) ServiceOption {
	return func(s *corev1.Service) {
		if s.Annotations == nil {
			s.Annotations = map[string]string{}
		}
		s.Annotations[k] = v
	}
}

// WithPool asks for a pool by name.
func WithPool(p string) ServiceOption { return WithAnnotation(farolv1.AnnotationPool, p) }

// WithAddresses asks for addresses (comma list).
func WithAddresses(a string) ServiceOption { return WithAnnotation(farolv1.AnnotationAddresses, a) }

// WithSharingKey lets the Service share an address.
func WithSharingKey(k string) ServiceOption { return WithAnnotation(farolv1.AnnotationSharingKey, k) }

// WithLabel sets one label.
func WithLabel(k, v string) ServiceOption {
	return func(s *corev1.Service) {
		if s.Labels == nil {
			s.Labels = map[string]string{}
		}
		s.Labels[k] = v
	}
}

// WithClass sets spec.loadBalancerClass.
func WithClass(c string) ServiceOption {
	return func(s *corev1.Service) { s.Spec.LoadBalancerClass = &c }
}

// WithFamilies sets the family policy and families, primary first.
func WithFamilies(p corev1.IPFamilyPolicy, fams ...corev1.IPFamily) ServiceOption {
	return func(s *corev1.Service) {
		s.Spec.IPFamilyPolicy = &p
		s.Spec.IPFamilies = fams
	}
}

// DualStack asks for both families, IPv4 first.
func DualStack(p corev1.IPFamilyPolicy) ServiceOption {
	return WithFamilies(p, corev1.IPv4Protocol, corev1.IPv6Protocol)
}

// IPv6Only makes the Service single-stack IPv6.
func IPv6Only() ServiceOption {
	return WithFamilies(corev1.IPFamilyPolicySingleStack, corev1.IPv6Protocol)
}

// WithPorts replaces the ports: pairs of protocol and number.
func WithPorts(ports ...corev1.ServicePort) ServiceOption {
	return func(s *corev1.Service) { s.Spec.Ports = ports }
}

// TCP and UDP build ports for WithPorts.
func TCP(n int32) corev1.ServicePort {
	return corev1.ServicePort{Name: portName("tcp", n), Protocol: corev1.ProtocolTCP, Port: n}
}

// UDP builds a UDP port for WithPorts.
func UDP(n int32) corev1.ServicePort {
	return corev1.ServicePort{Name: portName("udp", n), Protocol: corev1.ProtocolUDP, Port: n}
}

func portName(proto string, n int32) string {
	return proto + "-" + strconv.Itoa(int(n))
}

// Local sets externalTrafficPolicy: Local.
func Local() ServiceOption {
	return func(s *corev1.Service) {
		s.Spec.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyLocal
	}
}

// WithSelector replaces the pod selector.
func WithSelector(sel map[string]string) ServiceOption {
	return func(s *corev1.Service) { s.Spec.Selector = sel }
}

// NoNodePorts avoids allocating node ports, so bursts of thousands of
// Services do not exhaust the node-port range.
func NoNodePorts() ServiceOption {
	return func(s *corev1.Service) {
		f := false
		s.Spec.AllocateLoadBalancerNodePorts = &f
	}
}

// PoolOption changes an AddressPool under construction.
type PoolOption func(*farolv1.AddressPool)

// Pool returns an AddressPool with the given address blocks.
func Pool(name string, addrs []string, opts ...PoolOption) *farolv1.AddressPool {
	p := &farolv1.AddressPool{ObjectMeta: metav1.ObjectMeta{Name: name}}
	for _, a := range addrs {
		p.Spec.Addresses = append(p.Spec.Addresses, farolv1.AddressRange(a))
	}
	for _, o := range opts {
		o(p)
	}
	return p
}

// Manual turns autoAssign off.
func Manual() PoolOption {
	return func(p *farolv1.AddressPool) {
		f := false
		p.Spec.AutoAssign = &f
	}
}

// AvoidBuggyIPs skips .0 and .255.
func AvoidBuggyIPs() PoolOption {
	return func(p *farolv1.AddressPool) { p.Spec.AvoidBuggyIPs = true }
}

// Priority sets spec.allocation.priority.
func Priority(n int32) PoolOption {
	return func(p *farolv1.AddressPool) { allocation(p).Priority = n }
}

// ForNamespaces limits the pool to namespaces by name.
func ForNamespaces(ns ...string) PoolOption {
	return func(p *farolv1.AddressPool) { allocation(p).Namespaces = ns }
}

// ForNamespaceLabels limits the pool to namespaces with these labels.
func ForNamespaceLabels(l map[string]string) PoolOption {
	return func(p *farolv1.AddressPool) {
		allocation(p).NamespaceSelector = &metav1.LabelSelector{MatchLabels: l}
	}
}

// ForServiceLabels limits the pool to Services with these labels.
func ForServiceLabels(l map[string]string) PoolOption {
	return func(p *farolv1.AddressPool) {
		allocation(p).ServiceSelector = &metav1.LabelSelector{MatchLabels: l}
	}
}

func allocation(p *farolv1.AddressPool) *farolv1.Allocation {
	if p.Spec.Allocation == nil {
		p.Spec.Allocation = &farolv1.Allocation{}
	}
	return p.Spec.Allocation
}
