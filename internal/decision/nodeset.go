package decision

import "hash/maphash"

// nodesSeed seeds NodesDigest. It is the same for every World of a
// process, so that two worlds built from the same inputs give equal
// digests; it is never written after start.
var nodesSeed = maphash.MakeSeed()

// NodesDigest condenses a list of node names into 8 bytes: equal lists
// have equal digests in one process, different ones almost surely not.
// Each name is followed by a 0 byte, which no name contains, so that
// ["n", "1"] and ["n1"] differ.
func NodesDigest(nodes []string) uint64 {
	var h maphash.Hash
	h.SetSeed(nodesSeed)
	for _, n := range nodes {
		h.WriteString(n)
		h.WriteByte(0)
	}
	return h.Sum64()
}

// NodesDigest returns NodesDigest(a.Nodes). With Cluster traffic a BGP
// announcement's node list is shared by every Service an advertisement
// selects and lists every eligible node; its digest is computed once per
// World when the list is, so that a caller comparing 20,000 Services'
// announcements on 5,000 nodes hashes 20,000 numbers instead of 100
// million names. Announcements are read-only: changing Nodes of one that
// Decide returned leaves its digest stale.
func (a Announcement) NodesDigest() uint64 {
	if a.nodesDigest != 0 {
		return a.nodesDigest
	}
	return NodesDigest(a.Nodes)
}

// nodeSet is a node list shared by many announcements, with its digest.
type nodeSet struct {
	names  []string
	digest uint64
}
