package lab

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
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
