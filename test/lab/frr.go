package lab

import (
	"context"
	_ "embed"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"text/template"
)

// frrDir is where Debian's frr keeps its daemons.
const frrDir = "/usr/lib/frr"

// frr runs zebra (routes into the kernel), bgpd and bfdd, each in the
// foreground with every path overridden, so that nothing touches /etc/frr
// or /run/frr and several labs can run at once.
//
// The daemons switch to user frr (FRR refuses to run as root unless root is
// in group frrvty), and the kernel clears Pdeathsig on that switch: if the
// test binary is killed outright they outlive it, in the router namespace,
// until the next lab's Start (or Cleanup) kills what is inside the
// namespaces of dead runs. Stop, and every test's cleanup, end them.
type frr struct{}

var _ routerDaemon = frr{}

//go:embed frr.conf.tmpl
var frrConfText string

var frrConf = template.Must(template.New("frr").Funcs(routerFuncs).Parse(frrConfText))

// frrDaemons are started in this order; bgpd and bfdd reach zebra through
// its zserv socket and retry until it is there.
var frrDaemons = []string{"zebra", "bgpd", "bfdd"}

func (frr) configure(r *Router) error {
	u, err := user.Lookup("frr")
	if err != nil {
		return fmt.Errorf("user frr (Debian package frr; hack/deps.sh installs it): %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	// The daemons drop to user frr before they write PID files and sockets.
	if err := os.Chmod(r.Dir, 0o755); err != nil {
		return err
	}
	if err := os.Chown(r.Dir, uid, gid); err != nil {
		return err
	}
	for _, d := range frrDaemons {
		if err := writeTemplate(frrConf, d, r.Options, r.Dir, d+".conf"); err != nil {
			return fmt.Errorf("%s.conf: %w", d, err)
		}
	}
	return nil
}

func (frr) start(ctx context.Context, r *Router) ([]*Proc, error) {
	var procs []*Proc
	for _, d := range frrDaemons {
		args := []string{
			"-f", filepath.Join(r.Dir, d+".conf"),
			"-i", filepath.Join(r.Dir, d+".pid"),
			"-z", filepath.Join(r.Dir, "zserv.api"),
			"--vty_socket", r.Dir,
			"-P", "0", // no TCP vty
			"--log", "stdout",
			// FRR sizes tables by the descriptor limit, which may be huge.
			"--limit-fds", "1024",
		}
		if d == "bfdd" {
			args = append(args, "--bfdctl", filepath.Join(r.Dir, "bfdd.sock"))
		}
		// ip netns exec, so that zebra's /sys shows the namespace's links.
		p, err := r.Host.Start(d, r.Host.Command(context.Background(), filepath.Join(frrDir, d), args...))
		if err != nil {
			return procs, err
		}
		procs = append(procs, p)
		if d == "zebra" {
			// A client that finds no zserv socket retries only after
			// 10 s, and a BFD registration made meanwhile is lost.
			err := waitReady(ctx, procs, func() error {
				_, err := vtysh(ctx, r, "zebra", "show version")
				return err
			})
			if err != nil {
				return procs, err
			}
		}
	}
	return procs, nil
}

// ready waits for bgpd and bfdd to be connected to zebra: before that bgpd
// installs no route and registers no BFD session.
func (frr) ready(ctx context.Context, r *Router) error {
	out, err := vtysh(ctx, r, "zebra", "show zebra client summary")
	if err != nil {
		return err
	}
	for _, c := range []string{"bgp", "bfd"} {
		if !regexp.MustCompile(`(?m)^` + c + `\s`).Match(out) {
			return fmt.Errorf("%s not connected to zebra yet:\n%s", c, out)
		}
	}
	return nil
}

// vtysh runs one command against one of the router's FRR daemons.
func vtysh(ctx context.Context, r *Router, daemon, command string) ([]byte, error) {
	return output(ctx, "vtysh", "--vty_socket", r.Dir, "-d", daemon, "-c", command)
}

// FRRVersion is the version of Debian's frr that StartRouter runs, as
// zebra reports it ("8.4.4").
func FRRVersion(ctx context.Context) (string, error) {
	out, err := output(ctx, filepath.Join(frrDir, "zebra"), "--version")
	if err != nil {
		return "", err
	}
	m := regexp.MustCompile(`version (\S+)`).FindSubmatch(out)
	if m == nil {
		return "", fmt.Errorf("zebra --version: no version in %q", out)
	}
	return string(m[1]), nil
}
