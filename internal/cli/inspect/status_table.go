package inspect

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	corev1 "k8s.io/api/core/v1"

	"github.com/farol-lb/farol/internal/config"
)

func ours(svc *corev1.Service, o Options) bool { return config.Ours(svc, o.DefaultClass) }

// WriteTable writes the report as kubectl-style tables, one section each.
func (r Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	p := func(format string, args ...any) { _, _ = fmt.Fprintf(tw, format, args...) }

	p("POOLS\nNAME\tADDRESSES\tAUTO\tPRIORITY\tIPV4\tIPV6\tREADY\tREASON\n")
	for _, pl := range r.Pools {
		ready := "False"
		if pl.Ready {
			ready = "True"
		}
		reason := pl.Reason
		if !pl.Ready && pl.Message != "" {
			reason += ": " + pl.Message
		}
		p("%s\t%s\t%t\t%d\t%s\t%s\t%s\t%s\n", pl.Name, strings.Join(pl.Addresses, ","), pl.AutoAssign, pl.Priority,
			use(pl.IPv4), use(pl.IPv6), ready, reason)
	}
	if len(r.Pools) == 0 {
		p("(none)\n")
	}

	p("\nSERVICES\nNAMESPACE\tNAME\tADDRESS\tPOOL\tMODE\tANNOUNCED BY\n")
	for _, s := range r.Services {
		if len(s.Addresses) == 0 {
			why := "<pending>"
			if !s.Pending {
				why = "<not Farol's>"
			}
			p("%s\t%s\t%s\t%s\t%s\t%s\n", s.Namespace, s.Name, why, dash(s.Pool), "-", "-")
			continue
		}
		for _, a := range s.Addresses {
			for _, an := range a.Announcements {
				p("%s\t%s\t%s\t%s\t%s\t%s\n", s.Namespace, s.Name, a.Address, dash(s.Pool), an.Mode, announcedBy(a, an))
			}
		}
	}
	if len(r.Services) == 0 {
		p("(none)\n")
	}

	p("\nSPEAKERS\n")
	total := len(r.Speakers.Alive) + len(r.Speakers.NotAlive)
	p("%d of %d alive: %s\n", len(r.Speakers.Alive), total, dash(strings.Join(r.Speakers.Alive, ", ")))
	for _, n := range sortedKeys(r.Speakers.NotAlive) {
		p("%s: %s\n", n, r.Speakers.NotAlive[n])
	}
	p("note: %s\n", r.Speakers.Assumption)
	for _, ig := range r.Ignored {
		p("ignored by the speakers: %s\n", ig)
	}

	p("\nBGP SESSIONS\nNODE\tPEER\tADDRESS\tSTATE\tSINCE\tSENT\tBFD\tLAST ERROR\n")
	for _, n := range r.BGP {
		for _, s := range n.Sessions {
			p("%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", n.Node, s.Peer, dash(s.Address), s.State, dash(s.Since), s.PrefixesSent, dash(s.BFD), dash(s.LastError))
		}
		if len(n.Sessions) == 0 {
			p("%s\t-\t-\t-\t-\t0\t-\t-\n", n.Node)
		}
	}
	if len(r.BGP) == 0 {
		p("(none)\n")
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	return nil
}

// announcedBy is the nodes of one announcement, and the recorded owner
// when it differs.
func announcedBy(a Address, an Announcement) string {
	if len(an.Nodes) == 0 {
		return "nobody: " + an.Reason
	}
	out := strings.Join(an.Nodes, ",")
	if len(an.Interfaces) > 0 {
		out += " (" + strings.Join(an.Interfaces, ",") + ")"
	}
	if an.Route != "" {
		out += " route " + an.Route
	}
	if an.Mode == "l2" {
		node, _, _ := strings.Cut(a.Recorded, "/")
		switch {
		case a.Recorded == "":
			out += " [not recorded yet]"
		case node != an.Nodes[0]:
			out += " [cluster records " + node + ": not converged]"
		}
	}
	return out
}

func use(u *FamilyUse) string {
	if u == nil {
		return "-"
	}
	return fmt.Sprintf("%d/%s", u.InUse, u.Capacity)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
