package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/swarm-build/swarm/binhost"
	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/internal/termsafe"
)

// Exit codes, as CLI.md and `swarm --help` document them.
const (
	exitOK      = 0 // success
	exitFailure = 1 // the command failed; a one-line reason is on stderr
	exitUsage   = 2 // the command line was wrong: unknown verb or flag, bad arguments
	exitDamage  = 3 // the event log is damaged (swarm verify, or any verb that hits damage), or the binhost (swarm verify)
)

// exitHelp is the exit-code section of the root command's help.
const exitHelp = `Exit codes:
  0  success
  1  failure: a one-line reason on stderr (including "not a swarm")
  2  bad usage: unknown verb or flag, missing or extra arguments, or a flag
     value that is not of its kind (-n abc, --type nosuch, --state nosuch,
     --until garbage)
  3  the event log is damaged: swarm verify found damage (or another verb
     hit it), naming the segment and offset; or swarm verify found binhost
     damage, naming each problem`

// errNoSwarm is returned when no state folder can be found.
var errNoSwarm = errors.New("not a swarm (or any parent): .swarm not found; run 'swarm init'")

// usageError is a mistake on the command line, found before anything was
// read or written: it exits 2 and points at the command's help.
type usageError struct {
	cmd string // the command path, for the "see --help" hint
	err error
}

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// usageErrorf returns a usageError for cmd.
func usageErrorf(cmd *cobra.Command, format string, args ...any) error {
	return &usageError{cmd: cmd.CommandPath(), err: fmt.Errorf(format, args...)}
}

// usageArgs wraps a cobra positional-argument validator so that its errors
// are usage errors (exit 2).
func usageArgs(v cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := v(cmd, args); err != nil {
			return &usageError{cmd: cmd.CommandPath(), err: err}
		}
		return nil
	}
}

// flagError is the root's FlagErrorFunc: every flag-parsing error is a usage
// error.
func flagError(cmd *cobra.Command, err error) error {
	return &usageError{cmd: cmd.CommandPath(), err: err}
}

// exitCode maps an error to the process's exit code. It is the only place
// that does.
func exitCode(err error) int {
	var ue *usageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ue):
		return exitUsage
	case errors.Is(err, events.ErrCorrupt), errors.Is(err, binhost.ErrDamaged):
		return exitDamage
	default:
		return exitFailure
	}
}

// reportError prints err to w as one line (two for usage errors: the
// reason and where to read the usage). It prints nothing for nil.
func reportError(w io.Writer, err error) {
	if err == nil {
		return
	}
	msg := err.Error()
	if errors.Is(err, context.Canceled) {
		msg = "interrupted"
	}
	msg = termsafe.Line(strings.ReplaceAll(strings.TrimSpace(msg), "\n", "; "))
	fmt.Fprintf(w, "swarm: %s\n", msg)
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(w, "Run '%s --help' for usage.\n", ue.cmd)
	}
}
