package integration

import (
	"os"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
	"github.com/farol-lb/farol/internal/config"
)

// refusal is one object the API server must refuse at apply time, with an
// error that names the field and says why.
type refusal struct {
	obj        client.Object
	field, why string
}

// checkRefused creates each object and wants an Invalid error naming the
// field; an object that is accepted is deleted again and fails the case.
func checkRefused(t *testing.T, e *env, cases map[string]refusal) {
	t.Helper()
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := e.c.Create(e.ctx, tc.obj)
			if err == nil {
				_ = e.c.Delete(e.ctx, tc.obj)
				t.Fatalf("%s was accepted", tc.obj.GetName())
			}
			if !apierrors.IsInvalid(err) {
				t.Fatalf("want an Invalid error, got %v", err)
			}
			if !strings.Contains(err.Error(), tc.field) || !strings.Contains(err.Error(), tc.why) {
				t.Fatalf("error does not name %q with %q: %v", tc.field, tc.why, err)
			}
			if strings.Contains(err.Error(), "evaluating rule") {
				t.Fatalf("a CEL rule failed to evaluate instead of refusing with its message: %v", err)
			}
		})
	}
}

// checkAccepted creates and deletes each object.
func checkAccepted(t *testing.T, e *env, cases map[string]client.Object) {
	t.Helper()
	for name, obj := range cases {
		t.Run("accepts "+name, func(t *testing.T) {
			if err := e.c.Create(e.ctx, obj); err != nil {
				t.Fatalf("refused: %v", err)
			}
			_ = e.c.Delete(e.ctx, obj)
		})
	}
}

// specCase is a spec change that must be refused, naming the field.
type specCase[S any] struct {
	f          func(*S)
	field, why string
}

// checkSpecs builds an object per case: the bad ones must be refused,
// naming the field, the good ones accepted.
func checkSpecs[S any](t *testing.T, e *env, build func(c string, f func(*S)) client.Object, bad map[string]specCase[S], good map[string]func(*S)) {
	t.Helper()
	refused := map[string]refusal{}
	for c, tc := range bad {
		refused[c] = refusal{build(c, tc.f), tc.field, tc.why}
	}
	checkRefused(t, e, refused)
	accepted := map[string]client.Object{}
	for c, f := range good {
		accepted[c] = build("good-"+c, f)
	}
	checkAccepted(t, e, accepted)
}

// objName turns a case name into an object name.
func objName(prefix, c string) string {
	return prefix + "-" + strings.Trim(strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, strings.ToLower(c)), "-")
}

// TestBGPPeerValidation applies BGPPeers to the real API server: each CEL
// and OpenAPI rule refuses a bad peer naming the field, and good peers
// (the edges of every range) are accepted.
func TestBGPPeerValidation(t *testing.T) {
	e := newEnv(t)
	peer := func(c string, f func(*farolv1.BGPPeerSpec)) client.Object {
		p := &farolv1.BGPPeer{ObjectMeta: metav1.ObjectMeta{Name: objName("bgpv", c)},
			Spec: farolv1.BGPPeerSpec{PeerAddress: "192.0.2.1", PeerASN: 65001, MyASN: 65000}}
		f(&p.Spec)
		return p
	}
	d := func(s string) *metav1.Duration {
		v, err := time.ParseDuration(s)
		if err != nil {
			t.Fatal(err)
		}
		return &metav1.Duration{Duration: v}
	}
	i32 := func(v int32) *int32 { return &v }
	bad := map[string]specCase[farolv1.BGPPeerSpec]{
		"peer ASN 0":              {func(s *farolv1.BGPPeerSpec) { s.PeerASN = 0 }, "spec.peerASN", "greater than or equal to 1"},
		"my ASN 0":                {func(s *farolv1.BGPPeerSpec) { s.MyASN = 0 }, "spec.myASN", "greater than or equal to 1"},
		"peer address a name":     {func(s *farolv1.BGPPeerSpec) { s.PeerAddress = "router.example" }, "spec.peerAddress", "must be an IPv4 or IPv6 address"},
		"peer address a CIDR":     {func(s *farolv1.BGPPeerSpec) { s.PeerAddress = "192.0.2.0/24" }, "spec.peerAddress", "must be an IPv4 or IPv6 address"},
		"peer address zoned":      {func(s *farolv1.BGPPeerSpec) { s.PeerAddress = "fe80::1%eth0" }, "spec.peerAddress", "must be an IPv4 or IPv6 address"},
		"source address garbage":  {func(s *farolv1.BGPPeerSpec) { s.SourceAddress = "eth0" }, "spec.sourceAddress", "must be an IPv4 or IPv6 address"},
		"source other family":     {func(s *farolv1.BGPPeerSpec) { s.SourceAddress = "2001:db8::2" }, "spec.sourceAddress", "same address family"},
		"source other family, v6": {func(s *farolv1.BGPPeerSpec) { s.PeerAddress, s.SourceAddress = "2001:db8::1", "192.0.2.2" }, "spec.sourceAddress", "same address family"},
		"port 0":                  {func(s *farolv1.BGPPeerSpec) { s.PeerPort = i32(0) }, "spec.peerPort", "greater than or equal to 1"},
		"port 65536":              {func(s *farolv1.BGPPeerSpec) { s.PeerPort = i32(65536) }, "spec.peerPort", "less than or equal to 65535"},
		"hold 2s":                 {func(s *farolv1.BGPPeerSpec) { s.HoldTime = d("2s") }, "spec.holdTime", "must be 0 or at least 3s"},
		"hold 65536s":             {func(s *farolv1.BGPPeerSpec) { s.HoldTime = d("65536s") }, "spec.holdTime", "at most 65535s"},
		"hold fractional":         {func(s *farolv1.BGPPeerSpec) { s.HoldTime = d("3500ms") }, "spec.holdTime", "whole number of seconds"},
		"keepalive equal to hold": {func(s *farolv1.BGPPeerSpec) { s.HoldTime, s.KeepaliveTime = d("9s"), d("9s") }, "spec.keepaliveTime", "shorter than holdTime"},
		"keepalive above default": {func(s *farolv1.BGPPeerSpec) { s.KeepaliveTime = d("90s") }, "spec.keepaliveTime", "shorter than holdTime"},
		"keepalive with hold 0":   {func(s *farolv1.BGPPeerSpec) { s.HoldTime, s.KeepaliveTime = d("0s"), d("1s") }, "spec.keepaliveTime", "must be 0 when holdTime is 0"},
		"keepalive 65536s":        {func(s *farolv1.BGPPeerSpec) { s.HoldTime, s.KeepaliveTime = d("0s"), d("65536s") }, "spec.keepaliveTime", "at most 65535s"},
		"keepalive fractional":    {func(s *farolv1.BGPPeerSpec) { s.KeepaliveTime = d("1500ms") }, "spec.keepaliveTime", "whole number of seconds"},
		"keepalive negative":      {func(s *farolv1.BGPPeerSpec) { s.KeepaliveTime = d("-1s") }, "spec.keepaliveTime", "must be a duration such as"},
		"connect 0":               {func(s *farolv1.BGPPeerSpec) { s.ConnectTime = d("0s") }, "spec.connectTime", "between 1s and 65535s"},
		"connect fractional":      {func(s *farolv1.BGPPeerSpec) { s.ConnectTime = d("1.5s") }, "spec.connectTime", "whole number of seconds"},
		"multihop 0":              {func(s *farolv1.BGPPeerSpec) { s.EBGPMultiHop = i32(0) }, "spec.ebgpMultiHop", "greater than or equal to 1"},
		"multihop 256":            {func(s *farolv1.BGPPeerSpec) { s.EBGPMultiHop = i32(256) }, "spec.ebgpMultiHop", "less than or equal to 255"},
		"multihop on iBGP":        {func(s *farolv1.BGPPeerSpec) { s.PeerASN, s.EBGPMultiHop = 65000, i32(2) }, "spec.ebgpMultiHop", "eBGP sessions only"},
		"router ID IPv6":          {func(s *farolv1.BGPPeerSpec) { s.RouterID = "2001:db8::1" }, "spec.routerID", "must be an IPv4 address"},
		"router ID a number":      {func(s *farolv1.BGPPeerSpec) { s.RouterID = "12345" }, "spec.routerID", "must be an IPv4 address"},
		"BFD min rx 5ms":          {func(s *farolv1.BGPPeerSpec) { s.BFD = &farolv1.BFD{MinRx: d("5ms")} }, "spec.bfd.minRx", "between 10ms and 60s"},
		"BFD min tx 61s":          {func(s *farolv1.BGPPeerSpec) { s.BFD = &farolv1.BFD{MinTx: d("61s")} }, "spec.bfd.minTx", "between 10ms and 60s"},
		"BFD multiplier 1":        {func(s *farolv1.BGPPeerSpec) { s.BFD = &farolv1.BFD{Multiplier: i32(1)} }, "spec.bfd.multiplier", "greater than or equal to 2"},
		"BFD multiplier 256":      {func(s *farolv1.BGPPeerSpec) { s.BFD = &farolv1.BFD{Multiplier: i32(256)} }, "spec.bfd.multiplier", "less than or equal to 255"},
		"password without name":   {func(s *farolv1.BGPPeerSpec) { s.PasswordSecretRef = &farolv1.SecretKeyRef{} }, "spec.passwordSecretRef.name", ""},
		"password key with slash": {func(s *farolv1.BGPPeerSpec) { s.PasswordSecretRef = &farolv1.SecretKeyRef{Name: "md5", Key: "a/b"} }, "spec.passwordSecretRef.key", ""},
	}
	good := map[string]func(*farolv1.BGPPeerSpec){
		"minimal": func(*farolv1.BGPPeerSpec) {},
		"everything": func(s *farolv1.BGPPeerSpec) {
			s.SourceAddress, s.PeerPort, s.RouterID = "192.0.2.2", i32(1179), "10.0.0.1"
			s.HoldTime, s.KeepaliveTime, s.ConnectTime = d("9s"), d("3s"), d("5s")
			s.EBGPMultiHop, s.GracefulRestart = i32(2), true
			s.PasswordSecretRef = &farolv1.SecretKeyRef{Name: "tor-md5", Key: "md5.password"}
			s.BFD = &farolv1.BFD{MinRx: d("100ms"), MinTx: d("100ms"), Multiplier: i32(3)}
			s.NodeSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"rack": "a"}}
		},
		"IPv6 with IPv6 source":   func(s *farolv1.BGPPeerSpec) { s.PeerAddress, s.SourceAddress = "2001:db8::1", "2001:db8::2" },
		"largest ASNs":            func(s *farolv1.BGPPeerSpec) { s.PeerASN, s.MyASN = 4294967295, 4294967294 },
		"iBGP":                    func(s *farolv1.BGPPeerSpec) { s.PeerASN = 65000 },
		"hold 0 keepalive 0":      func(s *farolv1.BGPPeerSpec) { s.HoldTime, s.KeepaliveTime = d("0s"), d("0s") },
		"hold 3s keepalive 1s":    func(s *farolv1.BGPPeerSpec) { s.HoldTime, s.KeepaliveTime = d("3s"), d("1s") },
		"hold 65535s":             func(s *farolv1.BGPPeerSpec) { s.HoldTime = d("65535s") },
		"keepalive under default": func(s *farolv1.BGPPeerSpec) { s.KeepaliveTime = d("89s") },
		"port 65535, multihop 255": func(s *farolv1.BGPPeerSpec) {
			s.PeerPort, s.EBGPMultiHop = i32(65535), i32(255)
		},
		"BFD edges": func(s *farolv1.BGPPeerSpec) {
			s.BFD = &farolv1.BFD{MinRx: d("10ms"), MinTx: d("60s"), Multiplier: i32(255)}
		},
	}
	checkSpecs(t, e, peer, bad, good)

	// A metav1.Duration cannot hold a string that does not parse; one
	// stored would break every typed client's list of peers.
	raw := func(c string, spec map[string]any) client.Object {
		for k, v := range map[string]any{"peerAddress": "192.0.2.1", "peerASN": int64(65001), "myASN": int64(65000)} {
			spec[k] = v
		}
		return &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "farol.dev/v1alpha1", "kind": "BGPPeer",
			"metadata": map[string]any{"name": objName("bgpv", c)}, "spec": spec,
		}}
	}
	checkRefused(t, e, map[string]refusal{
		"hold not a duration":       {raw("hold-ninety", map[string]any{"holdTime": "ninety"}), "spec.holdTime", "must be a duration such as"},
		"keepalive without a unit":  {raw("keepalive-3", map[string]any{"keepaliveTime": "3"}), "spec.keepaliveTime", "must be a duration such as"},
		"BFD min rx not a duration": {raw("bfd-fast", map[string]any{"bfd": map[string]any{"minRx": "fast"}}), "spec.bfd.minRx", "must be a duration such as"},
		"connect with a space":      {raw("connect-space", map[string]any{"connectTime": "5 s"}), "spec.connectTime", "must be a duration such as"},
	})
}

// TestBGPAdvertisementValidation: the same for BGPAdvertisements:
// aggregation lengths, communities, local preference.
func TestBGPAdvertisementValidation(t *testing.T) {
	e := newEnv(t)
	ad := func(c string, f func(*farolv1.BGPAdvertisementSpec)) client.Object {
		a := &farolv1.BGPAdvertisement{ObjectMeta: metav1.ObjectMeta{Name: objName("bgpadv", c)}}
		f(&a.Spec)
		return a
	}
	i32 := func(v int32) *int32 { return &v }
	comm := func(cs ...string) []farolv1.Community {
		out := make([]farolv1.Community, len(cs))
		for i, c := range cs {
			out[i] = farolv1.Community(c)
		}
		return out
	}
	bad := map[string]specCase[farolv1.BGPAdvertisementSpec]{
		"aggregation 33":             {func(s *farolv1.BGPAdvertisementSpec) { s.AggregationLength = i32(33) }, "spec.aggregationLength", "less than or equal to 32"},
		"aggregation -1":             {func(s *farolv1.BGPAdvertisementSpec) { s.AggregationLength = i32(-1) }, "spec.aggregationLength", "greater than or equal to 0"},
		"aggregation v6 129":         {func(s *farolv1.BGPAdvertisementSpec) { s.AggregationLengthV6 = i32(129) }, "spec.aggregationLengthV6", "less than or equal to 128"},
		"community one part":         {func(s *farolv1.BGPAdvertisementSpec) { s.Communities = comm("65000") }, "spec.communities[0]", ""},
		"community four parts":       {func(s *farolv1.BGPAdvertisementSpec) { s.Communities = comm("1:2:3:4") }, "spec.communities[0]", "must be a standard community"},
		"community a name":           {func(s *farolv1.BGPAdvertisementSpec) { s.Communities = comm("no-export") }, "spec.communities[0]", "must be a standard community"},
		"community MetalLB large":    {func(s *farolv1.BGPAdvertisementSpec) { s.Communities = comm("large:1:2:3") }, "spec.communities[0]", "must be a standard community"},
		"standard part over 16 bits": {func(s *farolv1.BGPAdvertisementSpec) { s.Communities = comm("65000:100", "65536:1") }, "spec.communities[1]", "at most 65535"},
		"standard second part":       {func(s *farolv1.BGPAdvertisementSpec) { s.Communities = comm("1:99999") }, "spec.communities[0]", "at most 65535"},
		"large part over 32 bits":    {func(s *farolv1.BGPAdvertisementSpec) { s.Communities = comm("1:4294967296:3") }, "spec.communities[0]", "at most 4294967295"},
		"community negative":         {func(s *farolv1.BGPAdvertisementSpec) { s.Communities = comm("-1:2") }, "spec.communities[0]", "must be a standard community"},
		"duplicate community":        {func(s *farolv1.BGPAdvertisementSpec) { s.Communities = comm("1:2", "1:2") }, "spec.communities[1]", "Duplicate"},
	}

	// A uint32 cannot hold 2^32, so this bound is checked with an
	// unstructured object.
	big := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "farol.dev/v1alpha1", "kind": "BGPAdvertisement",
		"metadata": map[string]any{"name": objName("bgpadv", "localpref-33-bits")},
		"spec":     map[string]any{"localPref": int64(4294967296)},
	}}
	checkRefused(t, e, map[string]refusal{"local preference over 32 bits": {big, "spec.localPref", "less than or equal to 4294967295"}})

	lp := uint32(4294967295)
	good := map[string]func(*farolv1.BGPAdvertisementSpec){
		"empty": func(*farolv1.BGPAdvertisementSpec) {},
		"everything": func(s *farolv1.BGPAdvertisementSpec) {
			s.Pools, s.Peers = []string{"a", "b"}, []string{"tor1"}
			s.PoolSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"bgp": "yes"}}
			s.NodeSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"rack": "a"}}
			s.AggregationLength, s.AggregationLengthV6 = i32(24), i32(64)
			s.Communities, s.LocalPref = comm("65000:100", "0:0", "65535:65535", "1:2:3", "4294967295:4294967295:4294967295"), &lp
		},
		"host routes": func(s *farolv1.BGPAdvertisementSpec) {
			s.AggregationLength, s.AggregationLengthV6 = i32(32), i32(128)
		},
		"aggregation 0": func(s *farolv1.BGPAdvertisementSpec) {
			s.AggregationLength, s.AggregationLengthV6 = i32(0), i32(0)
		},
	}
	checkSpecs(t, e, ad, bad, good)
}

// TestBGPNodeStatusRoundTrip: a status the speaker writes reads back equal
// (Differs is false, so the speaker does not write it again), kubectl get
// shows the counts, and a state outside the BGP state machine is refused.
func TestBGPNodeStatusRoundTrip(t *testing.T) {
	e := newEnv(t)
	since := metav1.NewTime(time.Now().Add(-90 * time.Second))
	want := farolv1.BGPNodeStatusStatus{Sessions: []farolv1.BGPSessionStatus{
		{Peer: "tor2", Address: "2001:db8::1", State: farolv1.BGPSessionActive, Since: &since, LastError: "connection refused"},
		{Peer: "tor1", Address: "192.0.2.1", State: farolv1.BGPSessionEstablished, Since: &since, PrefixesSent: 12, BFD: farolv1.BFDUp},
	}}
	st := &farolv1.BGPNodeStatus{ObjectMeta: metav1.ObjectMeta{Name: "bgpstatus-node-1"}, Status: want.Normalized()}
	if err := e.c.Create(e.ctx, st); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.c.Delete(e.ctx, st) })
	var got farolv1.BGPNodeStatus
	if err := e.c.Get(e.ctx, client.ObjectKeyFromObject(st), &got); err != nil {
		t.Fatal(err)
	}
	if want.Differs(got.Status) {
		t.Fatalf("read back %+v differs from written %+v", got.Status, want.Normalized())
	}
	b, err := e.cl.Kubectl("get", "bgpnodestatus", st.Name, "--no-headers").CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl get: %v: %s", err, b)
	}
	out := string(b)
	if f := strings.Fields(out); len(f) < 3 || f[0] != st.Name || f[1] != "1" || f[2] != "2" {
		t.Fatalf("kubectl get: %q, want NAME ESTABLISHED=1 TOTAL=2", out)
	}

	bad := &farolv1.BGPNodeStatus{ObjectMeta: metav1.ObjectMeta{Name: "bgpstatus-node-bad"}, Status: farolv1.BGPNodeStatusStatus{
		Sessions: []farolv1.BGPSessionStatus{{Peer: "tor1", State: "Up"}},
	}}
	checkRefused(t, e, map[string]refusal{"unknown session state": {bad, "status.sessions[0].state", "Unsupported value"}})
}

// TestBGPSampleValid: the BGP sample the docs point to passes the API
// server's validation (server-side dry run) and the cross-object rules.
func TestBGPSampleValid(t *testing.T) {
	e := newEnv(t)
	sample := repoPath("config/samples/bgp.yaml")
	if out, err := e.cl.Kubectl("apply", "--dry-run=server", "-f", sample).CombinedOutput(); err != nil {
		t.Fatalf("kubectl apply --dry-run=server: %v\n%s", err, out)
	}
	b, err := os.ReadFile(sample)
	if err != nil {
		t.Fatal(err)
	}
	var (
		peers []farolv1.BGPPeer
		ads   []farolv1.BGPAdvertisement
		pools []farolv1.AddressPool
	)
	for doc := range strings.SplitSeq(string(b), "\n---\n") {
		var meta metav1.TypeMeta
		if err := yaml.Unmarshal([]byte(doc), &meta); err != nil {
			t.Fatal(err)
		}
		var target any
		switch meta.Kind {
		case "BGPPeer":
			peers = append(peers, farolv1.BGPPeer{})
			target = &peers[len(peers)-1]
		case "BGPAdvertisement":
			ads = append(ads, farolv1.BGPAdvertisement{})
			target = &ads[len(ads)-1]
		case "AddressPool":
			pools = append(pools, farolv1.AddressPool{})
			target = &pools[len(pools)-1]
		default:
			continue
		}
		if err := yaml.UnmarshalStrict([]byte(doc), target); err != nil {
			t.Fatal(err)
		}
	}
	if len(peers) != 1 || len(ads) != 1 || len(pools) != 1 {
		t.Fatalf("sample has %d peers, %d advertisements, %d pools", len(peers), len(ads), len(pools))
	}
	if _, errs := config.BGPPeer(&peers[0]); len(errs) > 0 {
		t.Fatal(errs)
	}
	errs, warnings := config.CheckBGPAdvertisement(&ads[0], peers, pools)
	if len(errs) > 0 || len(warnings) > 0 {
		t.Fatalf("errors %v, warnings %q", errs, warnings)
	}
}
