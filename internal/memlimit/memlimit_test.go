package memlimit

import "testing"

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		err  bool
	}{
		{in: "268435456\n", want: 268435456},
		{in: "max\n", want: 0},
		{in: "9223372036854771712\n", want: 0}, // cgroup v1 "unlimited"
		{in: "", err: true},
		{in: "-1", err: true},
		{in: "0", err: true},
		{in: "12k", err: true},
	} {
		got, err := Parse(tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("Parse(%q) = %d, %v; want %d, error %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}
