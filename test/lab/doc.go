// Package lab builds a small bare-metal network out of Linux network
// namespaces, with a real Kubernetes control plane and kube-proxy in it, for
// Farol's end-to-end tests and for the demo.
//
// The topology is one Ethernet segment: a bridge (br0, multicast snooping
// off so that neighbour solicitations reach everyone) in a namespace of its
// own, and one namespace per host, each joined to the bridge by a veth pair:
//
//	cp      control plane: etcd and kube-apiserver (test/cluster)
//	client  sends the traffic under test (Curl, ping, arping)
//	router  a BGP router, FRR or BIRD, once StartRouter runs it; with
//	        Options.Routers > 1 also router-2 (10.77.0.4) and on
//	node-i  a Kubernetes node: kube-proxy, "pod" addresses on an ifb link
//	        named pods (the kernel has no dummy type), routes to the other
//	        nodes' pod CIDRs
//
// Every link is created directly inside its namespace, so the host's own
// network is never touched, and nothing routes out of the lab: addresses are
// fixed (Subnet4, Subnet6) because the namespaces isolate them.
//
// There is no kubelet and no container runtime: the lab creates the Node
// objects itself (kube-proxy programs nothing until its Node is Ready with
// an InternalIP), backends are HTTP servers of the test process listening
// on pod addresses inside a node namespace (Node.StartBackend), and
// EndpointSlices are written by Lab.Endpoints.
//
// Code in the test process reaches into a namespace through Host.Do, which
// runs a function on an OS thread switched into it; sockets keep the
// namespace they were opened in, so Lab.Config (the API server) and Curl
// (the client) work from anywhere. Child processes (Host.Start) are forked
// from a thread that lives in the host's namespace until Stop, with
// Pdeathsig set, so they die with the test binary however it dies.
//
// StartRouter runs a real BGP router in the router namespace: FRR (zebra,
// bgpd, bfdd) or BIRD 2, in the foreground with its own configuration,
// sockets and PID files, generated from RouterOptions (ASN, dynamic ranges
// or explicit neighbors, eBGP or iBGP, timers, BFD, ECMP, graceful
// restart, TCP MD5, prefixes it originates). It installs what it learns,
// IPv4 and IPv6, in the namespace's kernel table. Router.Sessions,
// Router.BFDPeers, Router.BGPPaths (with communities, large communities,
// LOCAL_PREF, AS path) and Host.Routes return parsed values; Router.RouteClient sends the client's
// traffic for Service addresses through the router, which spreads
// connections over its multipath routes.
//
// Each run uses a unique name prefix, farol-<pid>-<random>. Stop deletes
// every namespace and stops every process the lab started; namespaces left
// by a run that was killed outright are removed by the next Start (the PID
// in their name is dead), or by Cleanup.
package lab
