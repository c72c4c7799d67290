// Command swarm is the command-line face of a distributed Gentoo build farm:
// it keeps the queue, the drones and every event in a git-like .swarm/ folder
// and replays them after the fact.
//
// main is tiny on purpose: run builds the command tree, executes it and maps
// the error to an exit code in one place (exit.go).
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
