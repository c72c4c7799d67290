package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/swarm-build/swarm/config"
	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/internal/termsafe"
	"github.com/swarm-build/swarm/portage"
)

// eventLine prints one event for an operator: seq, time, type, actor, the
// atom, then every other field that is set, as key=value.
func eventLine(e *events.Event) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%7d  %s  %-16s %-12s", e.Seq, stampTime(e.Time), termsafe.Line(e.Type.String()), termsafe.Line(e.Actor))
	if e.Atom != "" {
		b.WriteString(" " + termsafe.Line(e.Atom))
	}
	for _, d := range eventDetails(e, true) {
		b.WriteString(" " + d)
	}
	return strings.TrimRight(b.String(), " ")
}

// eventDetails lists the fields of e other than seq, time, type, actor and
// atom that are set, as key=value in the order of the Event struct. With
// drone false the drone is left out (the caller prints it elsewhere).
func eventDetails(e *events.Event, drone bool) []string {
	var out []string
	add := func(key, value string, set bool) {
		if set {
			out = append(out, key+"="+quoteIfNeeded(value))
		}
	}
	add("drone", e.Drone, drone && e.Drone != "")
	add("reason", e.Reason, e.Reason != "")
	add("signature", e.Signature, e.Signature != "")
	add("error", termsafe.Line(portage.ErrorHeadline([]byte(e.Excerpt))), e.Excerpt != "")
	add("fence", strconv.FormatUint(e.Fence, 10), e.Fence != 0)
	add("lease", e.Lease.String(), e.Lease != 0)
	add("until", stampTime(e.Until), !e.Until.IsZero())
	add("attempt", strconv.FormatUint(uint64(e.Attempt), 10), e.Attempt != 0)
	add("tree", e.Tree, e.Tree != "")
	add("cores", strconv.FormatUint(uint64(e.Cores), 10), e.Cores != 0)
	add("memory_mb", strconv.FormatUint(e.MemoryMB, 10), e.MemoryMB != 0)
	add("capabilities", strings.Join(e.Capabilities, ","), len(e.Capabilities) > 0)
	add("health", e.Health, e.Health != "")
	add("version", e.Version, e.Version != "")
	add("cpu", trimFloat(e.CPUPercent)+"%", e.CPUPercent != 0)
	add("mem", trimFloat(e.MemoryPercent)+"%", e.MemoryPercent != 0)
	add("disk", trimFloat(e.DiskPercent)+"%", e.DiskPercent != 0)
	add("load", strconv.FormatFloat(e.Load, 'f', -1, 64), e.Load != 0)
	add("progress", strconv.FormatUint(e.Progress, 10), e.Progress != 0)
	add("sha256", shortHash(e.SHA256), e.SHA256 != "")
	add("size", strconv.FormatUint(e.Size, 10), e.Size != 0)
	add("pattern", e.Pattern, e.Pattern != "")
	add("remote", e.Remote, e.Remote != "")
	add("count", strconv.FormatUint(e.Count, 10), e.Count != 0)
	add("final", "true", e.Final)
	add("changed", config.DescribeChanges(e.Settings, e.Was, 3), len(e.Settings) > 0)
	return out
}

// copyEvent returns a copy of e that survives the log iterator reusing it.
func copyEvent(e *events.Event) events.Event {
	c := *e
	c.Capabilities = slices.Clone(e.Capabilities)
	c.Settings, c.Was = slices.Clone(e.Settings), slices.Clone(e.Was)
	return c
}

// quoteIfNeeded prints a value of a key=value detail: Go-quoted when it is
// empty or holds a space, tab, quote or '=' (strconv.Quote escapes control
// characters as termsafe does), else as it is with controls escaped.
func quoteIfNeeded(s string) string {
	if s == "" || strings.ContainsAny(s, " \t\"=") {
		return strconv.Quote(s)
	}
	return termsafe.Line(s)
}

// shortHash shortens a hex digest the way git shortens commit ids.
func shortHash(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}
