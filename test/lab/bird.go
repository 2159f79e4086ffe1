package lab

import (
	"context"
	_ "embed"
	"fmt"
	"path/filepath"
	"text/template"
)

// bird runs BIRD 2 in the foreground with its own configuration, control
// socket and PID file.
type bird struct{}

var _ routerDaemon = bird{}

//go:embed bird.conf.tmpl
var birdConfText string

var birdConf = template.Must(template.New("bird.conf").Funcs(routerFuncs).Parse(birdConfText))

func (bird) configure(r *Router) error {
	// BIRD takes BFD timers per interface, and the lab has one.
	first := bfdOf(r.Options.Peers)
	for _, p := range r.Options.Peers {
		if p.BFD != nil && *p.BFD != *first {
			return fmt.Errorf("BIRD router: BFD timers %+v and %+v differ; the lab's BIRD has one set", *first, *p.BFD)
		}
	}
	return writeTemplate(birdConf, "bird.conf", r.Options, r.Dir, "bird.conf")
}

func (bird) start(_ context.Context, r *Router) ([]*Proc, error) {
	cmd := r.Host.Command(context.Background(), "bird", "-f",
		"-c", filepath.Join(r.Dir, "bird.conf"),
		"-s", birdSocket(r),
		"-P", filepath.Join(r.Dir, "bird.pid"))
	p, err := r.Host.Start("bird", cmd)
	if err != nil {
		return nil, err
	}
	return []*Proc{p}, nil
}

func (bird) ready(ctx context.Context, r *Router) error {
	_, err := birdc(ctx, r, "show", "status")
	return err
}

func birdSocket(r *Router) string { return filepath.Join(r.Dir, "bird.ctl") }

// birdc runs one command on the router's BIRD.
func birdc(ctx context.Context, r *Router, args ...string) ([]byte, error) {
	return output(ctx, "birdc", append([]string{"-s", birdSocket(r)}, args...)...)
}
