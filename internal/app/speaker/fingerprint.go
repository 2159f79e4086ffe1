package speaker

import (
	"encoding/binary"
	"hash/maphash"
	"strconv"

	"github.com/farol-lb/farol/internal/decision"
)

// fingerprint condenses a Service's announcements into the 8 bytes a
// re-decision is compared with: keeping every Service's last table would
// cost hundreds of bytes per Service in a speaker that holds 20,000. It
// covers what this node's reconcile acts on: everything
// decision.Announcement.Equal compares, except that of a BGP
// announcement's nodes only whether self is one of them and whether there
// are any count. Every eligible node advertises a BGP route with Cluster
// traffic, so a node coming or going changes every such announcement, but
// not what the other nodes advertise: without this a node leaving would
// reconcile every Service on every node. The seed is per process, which
// is all a comparison in memory needs.
func fingerprint(seed maphash.Seed, self string, anns []decision.Announcement) uint64 {
	var h maphash.Hash
	h.SetSeed(seed)
	str := func(s string) {
		h.WriteString(s)
		h.WriteByte(0)
	}
	for _, a := range anns {
		str(a.Service)
		b, _ := a.Addr.MarshalBinary()
		h.Write(b)
		h.WriteByte(byte(len(b)))
		str(string(a.Mode))
		str(a.Reason)
		if a.Mode == decision.ModeBGP {
			h.Write([]byte{boolByte(a.Announces(self)), boolByte(len(a.Nodes) > 0)})
		} else {
			// The nodes' digest, not their names (a Layer 2 owner is one
			// name; several nodes' digest was computed once per World).
			var d [8]byte
			binary.LittleEndian.PutUint64(d[:], a.NodesDigest())
			h.Write(d[:])
		}
		for _, i := range a.Interfaces {
			str(i)
		}
		h.WriteByte(2)
		if r := a.Route; r != nil {
			str(r.Advertisement)
			b, _ := r.Prefix.MarshalBinary()
			h.Write(b)
			h.WriteByte(byte(len(b)))
			for _, c := range r.Communities {
				str(c.String())
			}
			h.WriteByte(3)
			if r.LocalPref != nil {
				str(strconv.FormatUint(uint64(*r.LocalPref), 10))
			}
			h.WriteByte(4)
			for _, p := range r.Peers {
				str(p)
			}
		}
		h.WriteByte(5)
	}
	return h.Sum64()
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}
