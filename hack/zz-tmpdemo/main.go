package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/farol-lb/farol/test/cluster"
)

func main() {
	begin := time.Now()
	c, err := cluster.Start(context.Background(), cluster.Options{Dir: os.Args[1]})
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	fmt.Println("ready", time.Since(begin), c.APIServerURL, c.EtcdURL, c.PIDs())
	time.Sleep(20 * time.Second)
	begin = time.Now()
	fmt.Println("stop", c.Stop(), time.Since(begin))
}
