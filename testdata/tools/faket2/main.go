// Command faket2 stands in for the t2 analyzer in the tools' tests: it
// answers signals the way t2 does, with one line each on stdout, so a test
// can see which signals arrived. Tests copy it under the names "t2",
// "tranalyzer" and decoy names such as "t2decoy".
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	ch := make(chan os.Signal, 8)
	signal.Notify(ch, syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	fmt.Printf("ready %d\n", os.Getpid())
	periodic, ints, reports := false, 0, 0
	// never outlive a broken test for long
	limit := time.After(2 * time.Minute)
	for {
		select {
		case <-limit:
			fmt.Println("timeout")
			os.Exit(2)
		case s := <-ch:
			switch s {
			case syscall.SIGUSR1:
				reports++
				fmt.Printf("USR1MR_A report %d\n", reports)
			case syscall.SIGUSR2:
				periodic = !periodic
				fmt.Printf("periodic %v\n", periodic)
			case syscall.SIGHUP:
				fmt.Println("reload")
			case syscall.SIGINT:
				ints++
				if ints == 1 {
					fmt.Println("SIGINT: Stop flow creation")
					continue
				}
				fmt.Println("SIGINT: Remove all flows and exit")
				os.Exit(0)
			case syscall.SIGTERM:
				fmt.Println("SIGTERM: Terminate, terminate. Remove all flows and exit")
				os.Exit(0)
			}
		}
	}
}
