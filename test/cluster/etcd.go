package cluster

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/farol-lb/farol/test/internal/nsthread"
)

// startEtcd runs a single-member etcd and waits until it answers /health.
func (c *Cluster) startEtcd(ctx context.Context) error {
	host := c.opts.ListenAddress
	ports, err := c.freePorts(2)
	if err != nil {
		return err
	}
	client := "http://" + hostPort(host, ports[0])
	peer := "http://" + hostPort(host, ports[1])
	// A failed attempt may have bootstrapped a member with other peer URLs,
	// which etcd would refuse to start again.
	if err := os.RemoveAll(c.etcdData); err != nil {
		return fmt.Errorf("start etcd: %w", err)
	}
	args := []string{
		"--name=default",
		"--data-dir=" + c.etcdData,
		"--listen-client-urls=" + client,
		"--advertise-client-urls=" + client,
		"--listen-peer-urls=" + peer,
		"--initial-advertise-peer-urls=" + peer,
		"--initial-cluster=default=" + peer,
		// The data dies with the test; fsync only slows every write.
		"--unsafe-no-fsync",
		// A lone member still waits out an election timeout before it leads
		// (0.7 s with the defaults); with no peers, short timers cost nothing.
		"--heartbeat-interval=10",
		"--election-timeout=100",
	}
	p, err := startProcess(c.spawner, c.Dir, "etcd", filepath.Join(c.opts.BinDir, "etcd"), args, c.logTo("etcd"))
	if err != nil {
		return err
	}
	c.etcd = p
	// No proxy from the environment: the lab's addresses are never behind one.
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true, DialContext: c.dial}}
	healthy := func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, client+"/health", nil)
		if err != nil {
			return err
		}
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("/health: %s", resp.Status)
		}
		return nil
	}
	if err := waitReady(ctx, p, healthy); err != nil {
		return err
	}
	c.EtcdURL = client
	return nil
}

// waitReady polls ready until it succeeds, the child dies or ctx ends. Errors
// carry the end of the child's log, since that is where the cause is.
func waitReady(ctx context.Context, p *process, ready func(context.Context) error) error {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		rctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		last := ready(rctx)
		cancel()
		if last == nil {
			return nil
		}
		select {
		case <-p.done:
			p.markStopping() // reported here, not again by Stop
			if portClash(p) {
				return fmt.Errorf("%s: %w", p.name, errPortInUse)
			}
			return p.exitError()
		case <-ctx.Done():
			return fmt.Errorf("%s not ready: %w (last check: %w); end of %s:\n%s",
				p.name, ctx.Err(), last, p.logPath, nsthread.Tail(p.logPath))
		case <-tick.C:
		}
	}
}
