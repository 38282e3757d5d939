// Command fakefal serves faltest's fake fal queue on a loopback address
// until it is killed, printing the queue's base URL on stdout, so a test
// can run the fake in a process of its own and drive it through
// faltest.Remote.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"slate/engine/fal/faltest"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on")
	key := flag.String("key", faltest.DefaultKey, "the fal key every queue call must carry")
	hold := flag.Bool("hold", false, "hold every request IN_PROGRESS until released through /_faltest/release")
	flag.Parse()
	srv, err := faltest.New(faltest.Config{Addr: *addr, Key: *key, Hold: *hold})
	if err != nil {
		fmt.Fprintln(os.Stderr, "fakefal:", err)
		os.Exit(1)
	}
	defer srv.Close()
	fmt.Println(srv.URL())
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	<-stop
}
