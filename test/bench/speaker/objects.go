package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
)

const (
	poolName   = "bench"
	poolCIDR   = "10.128.0.0/14" // room for 262,142 Services
	adName     = "bench"
	nodeLabel  = "bench.farol.dev/node"
	managedBy  = "bench.farol.dev"
	sliceIface = "eth0"
)

// nodeName, serviceName, namespace and the addresses are functions of an
// index, so every phase of the bench agrees on them without keeping lists.
func nodeName(i int) string { return fmt.Sprintf("node-%05d", i) }

func serviceName(i int) string { return fmt.Sprintf("svc-%05d", i) }

func (c config) namespace(i int) string { return fmt.Sprintf("bench-%02d", i%c.namespaces) }

func nodeIP(i int) string { return fmt.Sprintf("10.200.%d.%d", i/250, i%250+1) }

func serviceIP(i int) string {
	base := netip.MustParsePrefix(poolCIDR).Addr().As4()
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], binary.BigEndian.Uint32(base[:])+uint32(i)+1)
	return netip.AddrFrom4(b).String()
}

// local says which Services have externalTrafficPolicy Local: every tenth,
// so that some decisions are over the 3 nodes with endpoints.
func local(i int) bool { return i%10 == 0 }

// endpointNodes are the 3 nodes with a ready endpoint of Service i, spread
// over the cluster.
func (c config) endpointNodes(i int) []string {
	out := make([]string, 3)
	for j := range out {
		out[j] = nodeName((i*7 + j*(c.nodes/3+1)) % c.nodes)
	}
	return out
}

// populate creates everything the speaker watches, in parallel.
func populate(ctx context.Context, k client.Client, c config) error {
	for i := range c.namespaces {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: c.namespace(i)}}
		if err := create(ctx, k, ns); err != nil {
			return err
		}
	}
	t := time.Now()
	if err := parallel(ctx, c.clients, c.nodes, "Nodes", func(i int) error { return createNode(ctx, k, i) }); err != nil {
		return err
	}
	logf("%d Nodes created in %s", c.nodes, since(t))
	if err := createPoolAndAdvertisement(ctx, k, c); err != nil {
		return err
	}
	t = time.Now()
	err := parallel(ctx, c.clients, c.services, "Services with their EndpointSlices", func(i int) error {
		return createService(ctx, k, c, i)
	})
	if err != nil {
		return err
	}
	logf("%d Services with addresses and %d EndpointSlices created in %s", c.services, c.services, since(t))
	return nil
}

func createNode(ctx context.Context, k client.Client, i int) error {
	name := nodeName(i)
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{
		corev1.LabelHostname:             name,
		corev1.LabelOSStable:             "linux",
		corev1.LabelTopologyZone:         fmt.Sprintf("zone-%d", i%3),
		nodeLabel:                        "true",
		"node-role.kubernetes.io/worker": "",
	}}}
	if err := create(ctx, k, n); err != nil {
		return err
	}
	// Status is not taken on create: write it as a kubelet would.
	now := metav1.Now()
	n.Status = corev1.NodeStatus{
		Addresses: []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: nodeIP(i)}, {Type: corev1.NodeHostName, Address: name}},
		Conditions: []corev1.NodeCondition{
			{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady", Message: "kubelet is posting ready status", LastHeartbeatTime: now, LastTransitionTime: now},
			{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasSufficientMemory", LastHeartbeatTime: now, LastTransitionTime: now},
			{Type: corev1.NodeNetworkUnavailable, Status: corev1.ConditionFalse, Reason: "RouteCreated", LastHeartbeatTime: now, LastTransitionTime: now},
		},
	}
	return retry(ctx, func() error { return k.Status().Update(ctx, n) })
}

func createPoolAndAdvertisement(ctx context.Context, k client.Client, c config) error {
	p := &farolv1.AddressPool{ObjectMeta: metav1.ObjectMeta{Name: poolName}}
	p.Spec.Addresses = []farolv1.AddressRange{poolCIDR}
	p.Spec.AutoAssign = ptr.To(false)
	if err := create(ctx, k, p); err != nil {
		return err
	}
	if err := writePoolStatus(ctx, k, int64(c.services)); err != nil {
		return err
	}
	ad := &farolv1.L2Advertisement{ObjectMeta: metav1.ObjectMeta{Name: adName}}
	ad.Spec.Pools = []string{poolName}
	ad.Spec.NodeSelector = &metav1.LabelSelector{MatchLabels: map[string]string{nodeLabel: "true"}}
	ad.Spec.Interfaces = []string{sliceIface}
	if err := create(ctx, k, ad); err != nil {
		return err
	}
	if !c.bgp {
		return nil
	}
	bad := &farolv1.BGPAdvertisement{ObjectMeta: metav1.ObjectMeta{Name: adName}}
	bad.Spec.Pools = []string{poolName}
	return create(ctx, k, bad)
}

// writePoolStatus writes the pool's status as the controller does after
// an allocation burst.
func writePoolStatus(ctx context.Context, k client.Client, inUse int64) error {
	body, err := json.Marshal(map[string]any{"status": map[string]any{"capacity": "262144", "inUse": inUse}})
	if err != nil {
		return err
	}
	p := &farolv1.AddressPool{ObjectMeta: metav1.ObjectMeta{Name: poolName}}
	return retry(ctx, func() error { return k.Status().Patch(ctx, p, client.RawPatch(types.MergePatchType, body)) })
}

// createService creates Service i as the controller leaves it (address in
// status, allocated-from annotation) and its EndpointSlice.
func createService(ctx context.Context, k client.Client, c config, i int) error {
	name, ns := serviceName(i), c.namespace(i)
	policy := corev1.ServiceExternalTrafficPolicyCluster
	if local(i) {
		policy = corev1.ServiceExternalTrafficPolicyLocal
	}
	s := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns,
			Annotations: map[string]string{farolv1.AnnotationAllocatedFrom: poolName}},
		Spec: corev1.ServiceSpec{
			Type:                          corev1.ServiceTypeLoadBalancer,
			Selector:                      map[string]string{"app": name},
			Ports:                         []corev1.ServicePort{{Name: "http", Protocol: corev1.ProtocolTCP, Port: 80}},
			IPFamilyPolicy:                ptr.To(corev1.IPFamilyPolicySingleStack),
			IPFamilies:                    []corev1.IPFamily{corev1.IPv4Protocol},
			AllocateLoadBalancerNodePorts: ptr.To(false),
			ExternalTrafficPolicy:         policy,
		},
	}
	if err := create(ctx, k, s); err != nil {
		return err
	}
	s.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: serviceIP(i)}}
	if err := retry(ctx, func() error { return k.Status().Update(ctx, s) }); err != nil {
		return err
	}
	es := &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{Name: name + "-bench", Namespace: ns, Labels: map[string]string{
			discoveryv1.LabelServiceName: name,
			discoveryv1.LabelManagedBy:   managedBy,
		}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Ports:       []discoveryv1.EndpointPort{{Name: ptr.To("http"), Protocol: ptr.To(corev1.ProtocolTCP), Port: ptr.To(int32(8080))}},
	}
	for j, node := range c.endpointNodes(i) {
		es.Endpoints = append(es.Endpoints, discoveryv1.Endpoint{
			Addresses:  []string{fmt.Sprintf("10.%d.%d.%d", 64+j, (i>>8)&255, i&255)},
			Conditions: discoveryv1.EndpointConditions{Ready: ptr.To(true), Serving: ptr.To(true), Terminating: ptr.To(false)},
			NodeName:   ptr.To(node),
		})
	}
	return create(ctx, k, es)
}

// create creates o, retrying what a loaded API server refuses for a
// moment; an object that exists already counts as created.
func create(ctx context.Context, k client.Client, o client.Object) error {
	return retry(ctx, func() error {
		err := k.Create(ctx, o)
		if apierrors.IsAlreadyExists(err) {
			return nil
		}
		return err
	})
}

// retry runs f until it succeeds, fails for good, or 10 attempts failed
// on overload or timeouts.
func retry(ctx context.Context, f func() error) error {
	var err error
	for attempt := 1; attempt <= 10; attempt++ {
		err = f()
		if err == nil || !(apierrors.IsTooManyRequests(err) || apierrors.IsServerTimeout(err) ||
			apierrors.IsTimeout(err) || apierrors.IsInternalError(err) || apierrors.IsServiceUnavailable(err)) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(attempt) * 200 * time.Millisecond):
		}
	}
	return err
}

// parallel runs f(0..n-1) on workers goroutines, logs progress every 10 s
// and returns the first error.
func parallel(ctx context.Context, workers, n int, what string, f func(i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next, done atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := f(i); err != nil {
					cancel(fmt.Errorf("%s, #%d: %w", what, i, err))
					return
				}
				done.Add(1)
			}
		})
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	start := time.Now()
	tick := time.NewTicker(10 * time.Second)
	defer tick.Stop()
	prev, prevT := int64(0), start
	for {
		select {
		case <-finished:
			return context.Cause(ctx)
		case now := <-tick.C:
			d := done.Load()
			logf("  %s: %d of %d after %s (%.0f/s now)", what, d, n, since(start), float64(d-prev)/now.Sub(prevT).Seconds())
			prev, prevT = d, now
		}
	}
}
