package forensics

import (
	"fmt"
	"time"

	"github.com/swarm-build/swarm/config"
	"github.com/swarm-build/swarm/events"
)

// Kinds of incident, as --json names them.
const (
	KindGroundingStorm = "grounding_storm" // two or more drones grounded at once by the breaker
	KindSystemicPause  = "systemic_pause"  // the orchestrator paused the farm for one failure everywhere
	KindDroneDeath     = "drone_death"     // a drone went silent and its work was reclaimed
	KindStall          = "stall"           // a build made no progress and was failed as stalled
	KindRejectedUpload = "rejected_upload" // a drone's binary package failed verification
	KindDeploySkew     = "deploy_skew"     // online drones ran different releases
	KindDeployFailure  = "deploy_failure"  // a deploy failed or was rolled back
	KindDuplicateClaim = "duplicate_claim" // a drone reported on a claim given to another since; the fence refused it
	KindRetried        = "retried"         // a package failed and was built again several times, or its atom is not clean
	KindConfigChange   = "config_change"   // a decision rule in config.toml changed; what the farm decided under it
	KindBuiltTwice     = "built_twice"     // a package was built again with no re-enqueue between: the work was wasted
	KindUnpromoted     = "unpromoted"      // a package was built, but no binary package of it reached the index in time
)

// Incident is one thing that went wrong, told as a short timeline of the
// events that prove it and, when it ended, what ended it.
type Incident struct {
	Kind     string    `json:"kind"`
	Summary  string    `json:"summary"`
	Start    time.Time `json:"start"`
	FirstSeq uint64    `json:"first_seq"`
	Drones   []string  `json:"drones,omitempty"`
	Atoms    []string  `json:"atoms,omitempty"`
	Timeline []Step    `json:"timeline"`
	// Resolution says what ended it ("" while it is still open at the end
	// of the log), at ResolvedSeq.
	Resolution  string    `json:"resolution"`
	ResolvedSeq uint64    `json:"resolved_seq,omitempty"`
	Resolved    time.Time `json:"resolved,omitzero"`
	// Omitted counts further events of the same kind left out of the
	// timeline to keep it short (more failures of the same signature …).
	Omitted int `json:"omitted,omitempty"`
}

// Step is one event of a timeline, told in a line.
type Step struct {
	Seq   uint64    `json:"seq"`
	Time  time.Time `json:"time"`
	Type  string    `json:"type"`
	Actor string    `json:"actor"`
	Drone string    `json:"drone,omitempty"`
	Atom  string    `json:"atom,omitempty"`
	Text  string    `json:"text"`
}

// maxSteps bounds a timeline; the rest is counted in Omitted.
const maxSteps = 24

// step tells e in a line.
func step(e *events.Event) Step {
	return Step{Seq: e.Seq, Time: e.Time, Type: e.Type.String(), Actor: e.Actor, Drone: e.Drone, Atom: e.Atom, Text: describe(e)}
}

// describe is the line a timeline shows for e: what it proves.
func describe(e *events.Event) string {
	switch e.Type {
	case events.TypeFailed:
		s := fmt.Sprintf("%s failed on %s", e.Atom, e.Drone)
		if e.Signature != "" {
			s += " (" + e.Signature + ")"
		}
		if e.Final {
			s += ", final"
		}
		return s
	case events.TypeGrounded:
		return fmt.Sprintf("%s grounded: %s", e.Drone, e.Reason)
	case events.TypeUngrounded:
		return fmt.Sprintf("%s ungrounded: %s", e.Drone, e.Reason)
	case events.TypeClaimed:
		s := fmt.Sprintf("%s claimed by %s (fence %d)", e.Atom, e.Drone, e.Fence)
		if e.Attempt > 1 {
			s += fmt.Sprintf(", attempt %d", e.Attempt)
		}
		return s
	case events.TypeCompleted:
		return fmt.Sprintf("%s built by %s", e.Atom, e.Drone)
	case events.TypePromoted:
		return fmt.Sprintf("%s promoted", e.Atom)
	case events.TypeReclaimed:
		return fmt.Sprintf("%s taken back from %s: %s", e.Atom, e.Drone, e.Reason)
	case events.TypeDroneOffline:
		return fmt.Sprintf("%s offline: %s", e.Drone, e.Reason)
	case events.TypeDroneOnline:
		return fmt.Sprintf("%s heard from again", e.Drone)
	case events.TypeDroneRegistered:
		return fmt.Sprintf("%s registered, release %s", e.Actor, orNone(e.Version))
	case events.TypeRejected:
		return fmt.Sprintf("upload of %s from %s rejected: %s", e.Atom, e.Drone, e.Reason)
	case events.TypeBinpkgUploaded:
		return fmt.Sprintf("%s uploaded by %s (%d bytes)", e.Atom, e.Drone, e.Size)
	case events.TypeLeaseRenewed:
		return fmt.Sprintf("%s: %s renewed its claim (progress %d)", e.Atom, e.Drone, e.Progress)
	case events.TypeQueuePaused:
		return "dispatching paused: " + e.Reason
	case events.TypeQueueResumed:
		return "dispatching resumed by " + e.Actor
	case events.TypeFreshCompleted:
		return "fresh completed, tree " + orNone(e.Tree)
	case events.TypeDeployed:
		return fmt.Sprintf("release %s deployed to %s", orNone(e.Version), e.Remote)
	case events.TypeConfigChanged:
		return fmt.Sprintf("settings changed by %s (%s): %s", e.Actor, orNone(e.Reason), config.DescribeChanges(e.Settings, e.Was, 4))
	case events.TypeReportRefused:
		return fmt.Sprintf("%s: %s's %s", e.Atom, e.Drone, e.Reason)
	}
	s := e.Type.String()
	for _, part := range []string{e.Remote, e.Version, e.Drone, e.Atom, e.Reason} {
		if part != "" {
			s += " " + part
		}
	}
	return s
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// add appends a step unless the timeline is full or e is its last step.
func (in *Incident) add(e *events.Event) {
	if n := len(in.Timeline); n > 0 && in.Timeline[n-1].Seq == e.Seq {
		return // told already (two rules saw it)
	}
	if len(in.Timeline) >= maxSteps {
		in.Omitted++
		return
	}
	in.Timeline = append(in.Timeline, step(e))
}

// resolve closes the incident at e.
func (in *Incident) resolve(e *events.Event, how string) {
	if in.Resolution != "" {
		return
	}
	in.Resolution, in.ResolvedSeq, in.Resolved = how, e.Seq, e.Time
}

func addUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}
