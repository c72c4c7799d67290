package events

import (
	"encoding/json"
	"fmt"
	"time"
)

// Type says what happened. The numbers are part of the on-disk format: never
// renumber or reuse one; add new types at the end.
type Type uint8

// The event types. Their wire numbers are fixed by their position here.
const (
	TypeUnknown         Type = iota
	TypeEnqueued             // a package was added to the queue
	TypeDequeued             // a package was removed from the queue (a fresh no longer wants it)
	TypeClaimed              // a drone claimed a package: Drone, Fence, Lease, Attempt
	TypeLeaseRenewed         // a drone renewed its claim: Fence, Lease
	TypeCompleted            // a build succeeded: Drone, Fence
	TypeFailed               // a build failed: Drone, Fence, Signature, Excerpt, Final
	TypeReturned             // a drone gave a claimed package back unbuilt: Reason
	TypeReclaimed            // the orchestrator took a package back (lease expired, drone offline)
	TypeGrounded             // a drone may not claim until Until: Reason
	TypeUngrounded           // a grounding was lifted
	TypeDroneRegistered      // a drone introduced itself: Cores, MemoryMB, Capabilities, Version, Portage and Fingerprint
	TypeDroneHealth          // a drone's health or sampled resources changed (Portage and Fingerprint when its portage configuration did, Version when its release did)
	TypeDroneOffline         // a drone missed its heartbeats
	TypeDroneOnline          // an offline drone was heard from again
	TypeBinpkgUploaded       // a drone uploaded a binary package: SHA256, Size
	TypePromoted             // a verified binary package joined the binhost: Drone, Fence, SHA256 (the drone's), FileSHA256, Size, BuildID, CPV, Path, Entry, Fingerprint (the drone's portage configuration at claim time)
	TypeRejected             // an upload failed verification: Drone, Fence, Reason, Signature (the check), SHA256 and Size (the drone's claim)
	TypeExcluded             // a package or pattern was excluded: Pattern, Drone (optional), Reason
	TypeIncluded             // an exclusion was removed: Pattern, Drone (optional)
	TypeQueuePaused          // dispatching stopped: Reason
	TypeQueueResumed         // dispatching restarted
	TypeFreshStarted         // a fresh began: Tree
	TypeFreshCompleted       // a fresh finished: Tree, Count (the world), Size (of it, already binary packages)
	TypeDeployed             // a release was pushed to a remote (and, where it restarts, came up): Remote, Version
	TypeDurationLearned      // a package's expected build time: Atom (cat/name), Count (milliseconds), Reason (source)
	TypeStartFailed          // a claimed build could not even start: Atom, Drone, Fence, Reason, Signature; Final: the package is held
	TypePruned               // a promoted build left the binhost index (retention, or damage found by verify): Atom, CPV, BuildID, Path, Reason
	TypeDeployStarted        // a deploy to a remote began: Remote, Version (the release), Reason (why: stale, forced)
	TypeDeployFailed         // a deploy to a remote failed, the host left stale: Remote, Version, Reason
	TypeRolledBack           // a remote went back to its previous release: Remote, Version (the one that failed), Reason
	TypeDroneRestarted       // self-healing ran a remote's restart command for an offline drone: Drone, Remote, Attempt, Reason (how it went)
	TypeHostRebooted         // self-healing ran the reboot command on an offline drone's remote: Drone, Remote, Reason (how it went)
	TypeReprioritized        // a queued package's priority was planned again with newer build times: Atom, Priority, Reason
	TypeReportRefused        // the fence refused a drone's report on a claim that was given to another since: Atom, Drone, Fence (the drone's, stale), Reason (the report and who holds the claim)
	TypeConfigChanged        // config.toml's settings changed (swarm config set, drones add …) or serve started with other settings than the last recorded: Settings, Was, Reason (what changed them)
	typeEnd
)

var typeNames = [...]string{
	TypeUnknown:         "unknown",
	TypeEnqueued:        "enqueued",
	TypeDequeued:        "dequeued",
	TypeClaimed:         "claimed",
	TypeLeaseRenewed:    "lease_renewed",
	TypeCompleted:       "completed",
	TypeFailed:          "failed",
	TypeReturned:        "returned",
	TypeReclaimed:       "reclaimed",
	TypeGrounded:        "grounded",
	TypeUngrounded:      "ungrounded",
	TypeDroneRegistered: "drone_registered",
	TypeDroneHealth:     "drone_health",
	TypeDroneOffline:    "drone_offline",
	TypeDroneOnline:     "drone_online",
	TypeBinpkgUploaded:  "binpkg_uploaded",
	TypePromoted:        "promoted",
	TypeRejected:        "rejected",
	TypeExcluded:        "excluded",
	TypeIncluded:        "included",
	TypeQueuePaused:     "queue_paused",
	TypeQueueResumed:    "queue_resumed",
	TypeFreshStarted:    "fresh_started",
	TypeFreshCompleted:  "fresh_completed",
	TypeDeployed:        "deployed",
	TypeDurationLearned: "duration_learned",
	TypeStartFailed:     "start_failed",
	TypePruned:          "pruned",
	TypeDeployStarted:   "deploy_started",
	TypeDeployFailed:    "deploy_failed",
	TypeRolledBack:      "rolled_back",
	TypeDroneRestarted:  "drone_restarted",
	TypeHostRebooted:    "host_rebooted",
	TypeReprioritized:   "reprioritized",
	TypeReportRefused:   "report_refused",
	TypeConfigChanged:   "config_changed",
}

// String returns the type's stable name, as shown by `swarm log`.
func (t Type) String() string {
	if t < typeEnd {
		return typeNames[t]
	}
	return fmt.Sprintf("type%d", uint8(t))
}

// ParseType returns the type named s (as printed by String).
func ParseType(s string) (Type, error) {
	for i, n := range typeNames {
		if n == s && Type(i) != TypeUnknown {
			return Type(i), nil
		}
	}
	return TypeUnknown, fmt.Errorf("%w: %q", ErrUnknownType, s)
}

// Types lists every known type, for help texts and completion.
func Types() []Type {
	ts := make([]Type, 0, typeEnd-1)
	for t := TypeUnknown + 1; t < typeEnd; t++ {
		ts = append(ts, t)
	}
	return ts
}

// MarshalText makes a Type print as its name in JSON.
func (t Type) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalText reads a type name.
func (t *Type) UnmarshalText(b []byte) error {
	v, err := ParseType(string(b))
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// Event is one thing that happened. The log assigns Seq (dense, from 1) and,
// when it is zero, Time. Which of the optional fields are set depends on Type;
// the comments on the Type constants say which. Every field is optional on the
// wire, so new fields can be added without a format change.
type Event struct {
	Seq   uint64    `json:"seq"`
	Time  time.Time `json:"time"`
	Type  Type      `json:"type"`
	Actor string    `json:"actor"` // "operator", "orchestrator" or a drone id

	Atom      string `json:"atom,omitempty"`
	Drone     string `json:"drone,omitempty"`
	Reason    string `json:"reason,omitempty"`
	Signature string `json:"signature,omitempty"` // a failure's signature (for example "slot-conflict")
	Excerpt   string `json:"excerpt,omitempty"`   // the tail of a build log

	Fence   uint64        `json:"fence,omitempty"` // a claim's fencing token
	Lease   time.Duration `json:"lease,omitempty"`
	Until   time.Time     `json:"until,omitzero"`
	Attempt uint32        `json:"attempt,omitempty"`

	Tree         string   `json:"tree,omitempty"` // a portage tree identity
	Cores        uint32   `json:"cores,omitempty"`
	MemoryMB     uint64   `json:"memory_mb,omitempty"`
	Capabilities []string `json:"capabilities,omitempty"`
	Health       string   `json:"health,omitempty"`
	Version      string   `json:"version,omitempty"`

	CPUPercent    float64 `json:"cpu_percent,omitempty"` // stored to 1/100 of a percent
	MemoryPercent float64 `json:"memory_percent,omitempty"`
	DiskPercent   float64 `json:"disk_percent,omitempty"`
	Load          float64 `json:"load,omitempty"`
	Progress      uint64  `json:"progress,omitempty"` // a build's progress counter (api.Task.Progress)

	SHA256  string `json:"sha256,omitempty"`
	Size    uint64 `json:"size,omitempty"`
	Pattern string `json:"pattern,omitempty"`
	Remote  string `json:"remote,omitempty"`
	Count   uint64 `json:"count,omitempty"`
	// Use is the USE flags a package is to be built with (enabled ones,
	// sorted, space-separated), as `swarm fresh` read them: a package built
	// with other flags must be built again.
	Use string `json:"use,omitempty"`
	// Deps are the queued packages an enqueued package needs built first,
	// and Priority its remaining critical path in milliseconds (its own
	// expected build time plus the longest chain of builds waiting for it):
	// the scheduler's plan, decided when the queue was filled.
	Deps     []string `json:"deps,omitempty"`
	Priority uint64   `json:"priority,omitempty"`

	// A promoted binary package: BuildID is the farm's BUILD_ID for its
	// CPV (CATEGORY/PF), Path where it is under the binhost's packages
	// folder, FileSHA256 the hash of the signed file (SHA256 and Size,
	// on promoted, are the drone's hash and the final file's size), and
	// Entry its block of the Packages index ("KEY: value" lines), so the
	// index is a function of the events alone.
	BuildID    uint64 `json:"build_id,omitempty"`
	Path       string `json:"path,omitempty"`
	FileSHA256 string `json:"file_sha256,omitempty"`
	CPV        string `json:"cpv,omitempty"`
	Entry      string `json:"entry,omitempty"`

	// Portage is a drone's portage configuration, "KEY=value" settings
	// sorted by key (portage.Settings: profile, CHOST, CFLAGS, USE, the ABI
	// settings …), on drone_registered and on a drone_health when it
	// changed. Fingerprint is their short hash there, and on promoted the
	// configuration the package was built with.
	Portage     []string `json:"portage,omitempty"`
	Fingerprint string   `json:"fingerprint,omitempty"`

	// Settings and Was, on config_changed, are the config.toml settings
	// that changed, "key=value" (the value as TOML text, a secret's
	// redacted), after and before, in the same order; Was holds "" values
	// for keys that were not set.
	Settings []string `json:"settings,omitempty"`
	Was      []string `json:"was,omitempty"`

	// Final, on a failed event, means the decider judged it a package failure
	// (it failed on enough distinct drones): the package is failed, not retried.
	Final bool `json:"final,omitempty"`
}

// MarshalJSON prints the lease as a Go duration ("60s") rather than nanoseconds.
func (e Event) MarshalJSON() ([]byte, error) {
	type plain Event
	return json.Marshal(struct {
		plain
		Lease string `json:"lease,omitempty"`
	}{plain: plain(e), Lease: durString(e.Lease)})
}

func durString(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return d.String()
}
