package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
	"github.com/farol-lb/farol/internal/app/controller"
	"github.com/farol-lb/farol/test/gen"
)

// usage is what a pool reports, in its status and in the metrics.
type usage struct {
	v4, v6 int64 // in use per family
	total  int64 // status.inUse
}

// TestPoolStatusAndMetrics: a pool of a /28 and a /120 reports capacity
// 16 and 256 and its use per family, in status, in the printer columns and
// in the metrics, following allocations and releases; allocations,
// failures and time to address are counted.
func TestPoolStatusAndMetrics(t *testing.T) {
	e := newEnv(t)
	e.createPool(gen.Pool("ps", []string{"10.83.0.0/28", "fd00:83::/120"}))
	// A clock an hour ahead makes every Service an hour old when it gets
	// its address: the histogram must say so.
	_, reg := e.startController(func(o *controller.Options) { o.Now = func() time.Time { return time.Now().Add(time.Hour) } })

	e.waitUsage(reg, "ps", usage{})
	e.createService(gen.Service("v4"))
	e.createService(gen.Service("dual", gen.DualStack(corev1.IPFamilyPolicyRequireDualStack)))
	e.waitAddresses("v4", 1)
	e.waitAddresses("dual", 2)
	e.waitUsage(reg, "ps", usage{v4: 2, v6: 1, total: 3})
	cells := e.poolTable("ps")
	for col, want := range map[string]any{"Capacity": "16 + 256", "Used": float64(3), "Ready": "True", "Addresses": `["10.83.0.0/28","fd00:83::/120"]`} {
		if got := cells[col]; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("column %s = %v, want %v (row %v)", col, got, want, cells)
		}
	}

	if n := counterValue(t, reg, "farol_allocations_total", "pool", "ps"); n != 2 {
		t.Errorf("allocations{pool=ps} = %v, want 2", n)
	}
	count, sum := histogram(t, reg, "farol_time_to_address_seconds")
	if count != 2 || sum < 2*3600 || sum > 2*3600+60 {
		t.Errorf("time to address: %d samples summing to %.1fs, want 2 of about an hour each", count, sum)
	}

	e.createService(gen.Service("outside", gen.WithAddresses("192.0.2.1")))
	e.waitEvent("outside", "AddressOutsidePools")
	if n := counterValue(t, reg, "farol_allocation_failures_total", "reason", "AddressOutsidePools"); n != 1 {
		t.Errorf("failures{reason=AddressOutsidePools} = %v, want 1", n)
	}

	if err := e.c.Delete(e.ctx, e.service("dual")); err != nil {
		t.Fatal(err)
	}
	e.waitUsage(reg, "ps", usage{v4: 1, total: 1})
	if n := counterValue(t, reg, "farol_allocations_total", "pool", "ps"); n != 2 {
		t.Errorf("allocations{pool=ps} = %v after a release, want still 2", n)
	}
}

// waitUsage waits until the pool's status and metrics both report u, with
// the capacity of TestPoolStatusAndMetrics's pool.
func (e *env) waitUsage(reg *prometheus.Registry, pool string, u usage) {
	e.t.Helper()
	e.eventually(fmt.Sprintf("pool %s at %+v", pool, u), 20*time.Second, func() string {
		var p farolv1.AddressPool
		if err := e.c.Get(e.ctx, types.NamespacedName{Name: pool}, &p); err != nil {
			return err.Error()
		}
		st := p.Status
		want := farolv1.AddressPoolStatus{
			IPv4:     &farolv1.FamilyUsage{Capacity: "16", InUse: u.v4},
			IPv6:     &farolv1.FamilyUsage{Capacity: "256", InUse: u.v6},
			Capacity: "16 + 256",
			InUse:    u.total,
		}
		if st.IPv4 == nil || st.IPv6 == nil || *st.IPv4 != *want.IPv4 || *st.IPv6 != *want.IPv6 ||
			st.Capacity != want.Capacity || st.InUse != want.InUse {
			return fmt.Sprintf("status %+v %+v capacity %q inUse %d", st.IPv4, st.IPv6, st.Capacity, st.InUse)
		}
		for _, m := range []struct {
			name, family string
			want         float64
		}{
			{"farol_pool_capacity_addresses", "IPv4", 16},
			{"farol_pool_capacity_addresses", "IPv6", 256},
			{"farol_pool_in_use_addresses", "IPv4", float64(u.v4)},
			{"farol_pool_in_use_addresses", "IPv6", float64(u.v6)},
		} {
			got, ok := gaugeValue(e.t, reg, m.name, map[string]string{"pool": pool, "family": m.family})
			if !ok || got != m.want {
				return fmt.Sprintf("%s{family=%s} = %v (present %v), want %v", m.name, m.family, got, ok, m.want)
			}
		}
		return ""
	})
}

// poolTable asks the API server for the pool as a Table, as kubectl get
// does, so the CRD's printer columns are evaluated by the server itself;
// it returns the cells by column name.
func (e *env) poolTable(name string) map[string]any {
	e.t.Helper()
	cs, err := kubernetes.NewForConfig(e.cl.Config)
	if err != nil {
		e.t.Fatal(err)
	}
	raw, err := cs.Discovery().RESTClient().Get().
		AbsPath("/apis", farolv1.GroupVersion.Group, farolv1.GroupVersion.Version, "addresspools", name).
		SetHeader("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io").
		DoRaw(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	var table metav1.Table
	if err := json.Unmarshal(raw, &table); err != nil {
		e.t.Fatal(err)
	}
	if len(table.Rows) != 1 {
		e.t.Fatalf("table has %d rows", len(table.Rows))
	}
	out := map[string]any{}
	for i, c := range table.ColumnDefinitions {
		v := table.Rows[0].Cells[i]
		if s, ok := v.([]any); ok {
			b, _ := json.Marshal(s)
			v = string(b)
		}
		out[c.Name] = v
	}
	return out
}

// poolEvents lists the events about an AddressPool (cluster-scoped, so
// they land in namespace default).
func (e *env) poolEvents(name string) []eventsv1.Event {
	e.t.Helper()
	var list eventsv1.EventList
	if err := e.c.List(context.Background(), &list); err != nil {
		e.t.Fatal(err)
	}
	var out []eventsv1.Event
	for _, ev := range list.Items {
		if ev.Regarding.Kind == "AddressPool" && ev.Regarding.Name == name {
			out = append(out, ev)
		}
	}
	return out
}
