package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/farol-lb/farol/internal/cli/inspect"
)

// farolCmd is `kubectl farol args...` as an operator runs it: kubectl finds
// the kubectl-farol plugin that `make build` wrote into bin/ on its PATH.
func (d *demo) farolCmd(args ...string) ([]byte, error) {
	cmd := d.lab.Cluster.Kubectl(append([]string{"farol"}, args...)...)
	cmd.Env = append(cmd.Env, "PATH="+filepath.Join(d.root, "bin")+string(os.PathListSeparator)+os.Getenv("PATH"))
	cmd.Stderr = os.Stderr
	return cmd.Output()
}

func (d *demo) farolCLI(args ...string) error {
	fmt.Printf("$ kubectl farol %s\n", strings.Join(args, " "))
	out, err := d.farolCmd(args...)
	fmt.Print(string(out))
	return err
}

// settled reads `kubectl farol status -o json` until every BGP session is
// Established with BFD Up and every Layer 2 owner the rules elect is the
// one the cluster records: the node that came back has taken its
// addresses back and its session is up again.
func (d *demo) settled(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		out, err := d.farolCmd("status", "-A", "-o", "json")
		var r inspect.Report
		if err == nil {
			err = json.Unmarshal(out, &r)
		}
		if err == nil && statusSettled(r) {
			return nil
		}
		if time.Now().After(deadline) {
			if err != nil {
				return fmt.Errorf("not settled after %v: %w", limit, err)
			}
			return fmt.Errorf("not settled after %v", limit)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func statusSettled(r inspect.Report) bool {
	for _, n := range r.BGP {
		if len(n.Sessions) == 0 {
			return false
		}
		for _, s := range n.Sessions {
			if s.State != "Established" || s.BFD != "Up" {
				return false
			}
		}
	}
	for _, s := range r.Services {
		for _, a := range s.Addresses {
			for _, an := range a.Announcements {
				if an.Mode == "l2" && (len(an.Nodes) != 1 || !strings.HasPrefix(a.Recorded, an.Nodes[0]+"/")) {
					return false
				}
			}
		}
	}
	return true
}

// inspect shows what `kubectl farol` answers once the node is back: every
// pool, Service, owner and BGP session, and why node-3 does or does not
// announce web.
func (d *demo) inspect() error {
	step("kubectl farol: the state in one command, and why a node does or does not announce an address")
	if err := d.settled(30 * time.Second); err != nil {
		fmt.Println("    " + err.Error())
	}
	if err := d.farolCLI("status", "-A"); err != nil {
		return err
	}
	return d.farolCLI("explain", "svc/web", "-n", "demo", "--node", "node-3")
}
