package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/projections"
)

// Flags whose values come from a closed set check them while the command
// line is parsed, so a bad value is a usage error (exit 2) that lists the
// valid ones, before any state is read.

// packageStates are the values `swarm queue --state` accepts.
var packageStates = []projections.PackageState{
	projections.Needed, projections.Building, projections.Built,
	projections.Failed, projections.Excluded, projections.Blocked,
}

// stateFlag is a package state, or "" for all.
type stateFlag string

func (f *stateFlag) String() string { return string(*f) }
func (f *stateFlag) Type() string   { return "state" }
func (f *stateFlag) Set(s string) error {
	if !slices.Contains(packageStates, projections.PackageState(s)) {
		return fmt.Errorf("unknown state %q (valid: %s)", s, joinStrings(packageStates))
	}
	*f = stateFlag(s)
	return nil
}

// typesFlag is a set of event types, given as repeated flags or a comma
// list; empty means all.
type typesFlag []events.Type

func (f *typesFlag) String() string { return joinStrings(*f) }
func (f *typesFlag) Type() string   { return "type" }
func (f *typesFlag) Set(s string) error {
	for name := range strings.SplitSeq(s, ",") {
		t, err := events.ParseType(strings.TrimSpace(name))
		if err != nil {
			return fmt.Errorf("unknown event type %q (valid: %s)", name, joinStrings(events.Types()))
		}
		*f = append(*f, t)
	}
	return nil
}

func joinStrings[S ~[]E, E any](s S) string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = fmt.Sprint(v)
	}
	return strings.Join(out, ", ")
}

// completeWords returns a flag-completion function over fixed words.
func completeWords[S ~[]E, E any](words S) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		out := make([]string, len(words))
		for i, w := range words {
			out[i] = fmt.Sprint(w)
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}
