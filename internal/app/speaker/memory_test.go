package speaker

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
)

// BenchmarkCacheMemory estimates what the speaker's caches hold for a big
// cluster — 20,000 Services, 20,000 EndpointSlices of 3 endpoints, 5,000
// Nodes with a realistic status — by passing objects shaped like the API
// server's through the speaker's own cache transforms into client-go stores,
// and reports the live heap they take ("MiB-trimmed"), next to the same
// objects untrimmed ("MiB-raw").
func BenchmarkCacheMemory(b *testing.B) {
	for range b.N {
		raw := heapOf(func() any { return fill(false) })
		trimmed := heapOf(func() any { return fill(true) })
		b.ReportMetric(raw/(1<<20), "MiB-raw")
		b.ReportMetric(trimmed/(1<<20), "MiB-trimmed")
	}
}

func heapOf(build func() any) float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	keep := build()
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(keep)
	return float64(after.HeapAlloc) - float64(before.HeapAlloc)
}

func fill(trim bool) []toolscache.Store {
	strip := cache.TransformStripManagedFields()
	add := func(s toolscache.Store, o any, t func(any) (any, error)) {
		if trim {
			o, _ = t(o)
		}
		_ = s.Add(o)
	}
	svcs, slices, nodes := toolscache.NewStore(toolscache.MetaNamespaceKeyFunc), toolscache.NewStore(toolscache.MetaNamespaceKeyFunc), toolscache.NewStore(toolscache.MetaNamespaceKeyFunc)
	for i := range 5000 {
		add(nodes, bigNode(i), trimNode)
	}
	for i := range 20000 {
		add(svcs, service(i), strip)
		add(slices, slice(i), trimSlice)
	}
	return []toolscache.Store{svcs, slices, nodes}
}

func managed() []metav1.ManagedFieldsEntry {
	return []metav1.ManagedFieldsEntry{
		{Manager: "kubectl-client-side-apply", Operation: metav1.ManagedFieldsOperationUpdate, APIVersion: "v1", FieldsType: "FieldsV1", FieldsV1: metav1.NewFieldsV1(strings.Repeat("x", 600))},
		{Manager: "farol-controller", Operation: metav1.ManagedFieldsOperationUpdate, APIVersion: "v1", FieldsType: "FieldsV1", FieldsV1: metav1.NewFieldsV1(strings.Repeat("x", 200)), Subresource: "status"},
	}
}

func service(i int) *corev1.Service {
	vip := corev1.LoadBalancerIPModeVIP
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("svc-%05d", i), Namespace: fmt.Sprintf("ns-%03d", i%200),
			Labels:        map[string]string{"app": fmt.Sprintf("app-%05d", i)},
			Annotations:   map[string]string{"farol.dev/allocated-from": "default", "farol.dev/announcing": "node-00001/eth0"},
			ManagedFields: managed()},
		Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer, ClusterIP: "10.96.0.1", ClusterIPs: []string{"10.96.0.1"},
			Ports:    []corev1.ServicePort{{Name: "http", Port: 80, Protocol: corev1.ProtocolTCP, NodePort: 30080}},
			Selector: map[string]string{"app": fmt.Sprintf("app-%05d", i)}, IPFamilies: []corev1.IPFamily{corev1.IPv4Protocol}},
		Status: corev1.ServiceStatus{LoadBalancer: corev1.LoadBalancerStatus{Ingress: []corev1.LoadBalancerIngress{{IP: "10.0.0.1", IPMode: &vip}}}},
	}
}

func slice(i int) *discoveryv1.EndpointSlice {
	ready := true
	s := &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("svc-%05d-abcde", i), Namespace: fmt.Sprintf("ns-%03d", i%200),
			Labels:        map[string]string{discoveryv1.LabelServiceName: fmt.Sprintf("svc-%05d", i), discoveryv1.LabelManagedBy: "endpointslice-controller.k8s.io"},
			ManagedFields: managed()},
		AddressType: discoveryv1.AddressTypeIPv4,
	}
	for j := range 3 {
		node := fmt.Sprintf("node-%05d", (i+j)%5000)
		s.Endpoints = append(s.Endpoints, discoveryv1.Endpoint{Addresses: []string{fmt.Sprintf("10.244.%d.%d", j, i%250)},
			Conditions: discoveryv1.EndpointConditions{Ready: &ready, Serving: &ready},
			NodeName:   &node, TargetRef: &corev1.ObjectReference{Kind: "Pod", Name: fmt.Sprintf("pod-%05d-%d", i, j), Namespace: "ns"}})
	}
	return s
}

// bigNode is a Node as a kubelet reports it: many images, capacity, system
// info, conditions.
func bigNode(i int) *corev1.Node {
	n := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("node-%05d", i),
			Labels:        map[string]string{"kubernetes.io/hostname": fmt.Sprintf("node-%05d", i), "kubernetes.io/os": "linux", "topology.kubernetes.io/zone": "z1"},
			Annotations:   map[string]string{"node.alpha.kubernetes.io/ttl": "0", "volumes.kubernetes.io/controller-managed-attach-detach": "true"},
			ManagedFields: managed()},
		Status: corev1.NodeStatus{
			Addresses:   []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "10.0.0.1"}, {Type: corev1.NodeHostName, Address: "node"}},
			Capacity:    corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("16"), corev1.ResourceMemory: resource.MustParse("64Gi")},
			Allocatable: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("15"), corev1.ResourceMemory: resource.MustParse("62Gi")},
			NodeInfo:    corev1.NodeSystemInfo{KernelVersion: "6.18.0", OSImage: "Debian GNU/Linux 12", ContainerRuntimeVersion: "containerd://2.0", KubeletVersion: "v1.37.2"},
		},
	}
	for _, t := range []corev1.NodeConditionType{corev1.NodeReady, corev1.NodeMemoryPressure, corev1.NodeDiskPressure, corev1.NodePIDPressure} {
		n.Status.Conditions = append(n.Status.Conditions, corev1.NodeCondition{Type: t, Status: corev1.ConditionFalse, Reason: "KubeletHasSufficient", Message: "kubelet has sufficient resources available"})
	}
	for j := range 40 {
		n.Status.Images = append(n.Status.Images, corev1.ContainerImage{Names: []string{fmt.Sprintf("registry.example.com/team/image-%02d@sha256:%064d", j, j), fmt.Sprintf("registry.example.com/team/image-%02d:v1.2.3", j)}, SizeBytes: 123456789})
	}
	return n
}
