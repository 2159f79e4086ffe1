package lab

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"text/template"
	"time"
)

// routerFuncs are the helpers of the FRR and BIRD configuration templates.
var routerFuncs = template.FuncMap{
	"ms":    func(d time.Duration) int64 { return d.Milliseconds() },
	"s":     func(d time.Duration) int64 { return int64(d / time.Second) },
	"list":  func(s ...string) []string { return s },
	"bfdOf": bfdOf,
	"ofAF":  ofAF,
}

// ofAF returns the prefixes of one address family, "ipv4" or "ipv6".
func ofAF(prefixes []netip.Prefix, af string) []netip.Prefix {
	var out []netip.Prefix
	for _, p := range prefixes {
		if p.Addr().Is4() == (af == "ipv4") {
			out = append(out, p)
		}
	}
	return out
}

// bfdOf returns the BFD timers of the first peer that has BFD, or nil.
func bfdOf(peers []RouterPeer) *BFDOptions {
	for _, p := range peers {
		if p.BFD != nil {
			return p.BFD
		}
	}
	return nil
}

// writeTemplate renders one template of t with o into dir/name, readable by
// the daemon's user.
func writeTemplate(t *template.Template, name string, o RouterOptions, dir, file string) error {
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, name, o); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, file), b.Bytes(), 0o644)
}

// output runs a daemon's control program and returns its output; a failure
// carries what it printed.
func output(ctx context.Context, name string, args ...string) ([]byte, error) {
	out, err := exec.CommandContext(ctx, name, args...).Output()
	if err != nil {
		var stderr []byte
		if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
			stderr = ee.Stderr
		}
		return nil, fmt.Errorf("%s %v: %w: %s%s", name, args, err, bytes.TrimSpace(out), bytes.TrimSpace(stderr))
	}
	return out, nil
}
