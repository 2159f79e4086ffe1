// Command etcd is etcd's own server, built from a pinned version so the
// tests get a current etcd (Debian's 3.4 breaks watches under a current
// kube-apiserver).
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
