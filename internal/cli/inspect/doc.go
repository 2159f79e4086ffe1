// Package inspect is what `kubectl farol status` and `kubectl farol
// explain` know: it reads the cluster's objects once into a Snapshot and
// answers from it with the controller's and the speakers' own code —
// internal/config to translate the objects, internal/ipam to replay the
// allocation, internal/decision to replay the announcement — so that the
// CLI holds no second copy of a rule. Where the cluster records something
// else (status, annotations, events, BGPNodeStatus), it says so.
package inspect
