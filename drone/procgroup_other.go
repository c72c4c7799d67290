//go:build !unix

package drone

import (
	"os"
	"os/exec"
)

// setProcessGroup does nothing where there are no process groups; swarm's
// drones run on Linux (see .goreleaser.yaml), this keeps the package
// building elsewhere.
func setProcessGroup(*exec.Cmd) {}

// killGroup kills the build command itself; its children may outlive it.
func killGroup(p *os.Process) { _ = p.Kill() }
