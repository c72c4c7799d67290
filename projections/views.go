package projections

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Read views. These allocate and sort freely: they run once per CLI call or
// API request, not once per event. The JSON keys are the stable interface of
// CLI.md (`status --json`, `queue --json`, `drones --json`): add keys, never
// rename or drop one.

// Status is the at-a-glance summary of `swarm status --json`.
type Status struct {
	Seq    uint64     `json:"seq"`
	Time   time.Time  `json:"time,omitzero"` // of the last applied event
	Sync   SyncStatus `json:"sync"`
	World  uint64     `json:"world"`
	Binary Binary     `json:"binary"`
	// Binhost counts the builds the index lists (and their bytes) and
	// those retention or repair pruned.
	Binhost     BinhostUsage `json:"binhost,omitzero"`
	Queue       QueueCounts  `json:"queue"`
	RatePerHour float64      `json:"rate_per_hour"` // completions in the hour before Time
	Drones      DroneCounts  `json:"drones"`
	Paused      *Pause       `json:"paused"`
	// Stuck says what can no longer be built and why, when packages wait
	// and no drone is able to claim them (every drone offline, grounded or
	// unhealthy): the last able drone is never lost silently.
	Stuck string `json:"stuck,omitempty"`
	// StaleDrones are the drones whose portage tree differs from the one
	// the queue was computed against: they get no work until they sync or
	// the queue is refreshed.
	StaleDrones []StaleDrone `json:"stale_drones,omitempty"`
	// QueueStale says the queue's tree is older than farm.stale_after. The
	// projection cannot know the threshold or the clock: the CLI fills it.
	QueueStale string `json:"queue_stale,omitempty"`
	// FreshOverdue says a scheduled fresh did not happen on time (or one
	// never completed); the CLI fills it, as it needs the configuration.
	FreshOverdue string `json:"fresh_overdue,omitempty"`
	// Stalling are the queued or failed packages whose builds were failed
	// for making no progress, most stalls first: a package that keeps
	// stalling is named, not retried in silence.
	Stalling []PackageNote `json:"stalling,omitempty"`
	// Held are the packages held blocked because their build could not
	// even start, with the reason (which says how to release them).
	Held []PackageNote `json:"held,omitempty"`
	// Unpromoted are the packages built longer ago than the farm waits
	// for their binary package to reach the index (a judgment of
	// commands.Unpromoted, against a time the caller gives: projections
	// read no clock). A built package the binhost does not serve is the
	// field's "690 MB in staging" incident.
	Unpromoted []PackageNote `json:"unpromoted,omitempty"`
}

// PackageNote names a package that needs the operator's eye, and why.
type PackageNote struct {
	Atom   string       `json:"atom"`
	State  PackageState `json:"state"`
	Stalls uint32       `json:"stalls,omitempty"`
	Reason string       `json:"reason"`
}

// StaleDrone is a drone on another portage tree than the queue's.
type StaleDrone struct {
	ID   string `json:"id"`
	Tree string `json:"tree"`
}

// SyncStatus is the last fresh; Time is nil (JSON null) before the first.
type SyncStatus struct {
	Time *time.Time `json:"time"`
	Tree string     `json:"tree"`
}

// QueueCounts counts packages per state.
type QueueCounts struct {
	Needed   int `json:"needed"`
	Building int `json:"building"`
	Built    int `json:"built"`
	Failed   int `json:"failed"`
	Excluded int `json:"excluded"`
	Blocked  int `json:"blocked"`
}

// DroneCounts summarises the fleet; Building counts packages in drones' hands.
type DroneCounts struct {
	Online   int `json:"online"`
	Total    int `json:"total"`
	Grounded int `json:"grounded"`
	Building int `json:"building"`
}

// Status returns the summary. It costs O(drones), not O(queue).
func (s *State) Status() Status {
	st := Status{
		Seq: s.Seq, Time: s.Time, World: s.World, Binhost: s.BinhostUsage(),
		Sync:        SyncStatus{Tree: s.Sync.Tree},
		RatePerHour: float64(len(s.recent.live())),
		Queue: QueueCounts{
			Needed: s.Count(Needed), Building: s.Count(Building), Built: s.Count(Built),
			Failed: s.Count(Failed), Excluded: s.Count(Excluded), Blocked: s.Count(Blocked),
		},
		Drones: DroneCounts{Total: len(s.drones), Building: s.Count(Building)},
	}
	if !s.Sync.Time.IsZero() {
		t := s.Sync.Time
		st.Sync.Time = &t
	}
	if s.Paused != nil {
		p := *s.Paused
		st.Paused = &p
	}
	able, unhealthy := 0, 0
	for _, d := range s.drones {
		if d.Online {
			st.Drones.Online++
		}
		grounded := d.GroundedAt(s.Time)
		if grounded {
			st.Drones.Grounded++
		}
		healthy := d.Health == "" || d.Health == Healthy
		if d.Online && !grounded && !healthy {
			unhealthy++
		}
		stale := s.Sync.Tree != "" && d.Tree != "" && d.Tree != s.Sync.Tree
		if stale {
			st.StaleDrones = append(st.StaleDrones, StaleDrone{ID: d.ID, Tree: d.Tree})
		}
		if d.Online && !grounded && healthy && !stale {
			able++
		}
	}
	slices.SortFunc(st.StaleDrones, func(a, b StaleDrone) int { return cmp.Compare(a.ID, b.ID) })
	st.Stalling, st.Held, st.Binary = s.notes()
	if n := st.Queue.Needed; n > 0 && able == 0 {
		st.Stuck = fmt.Sprintf("no drone can build: %d needed packages wait; ", n)
		if len(s.drones) == 0 {
			st.Stuck += "no drone has registered"
		} else {
			st.Stuck += fmt.Sprintf("of %d drones, %d offline, %d grounded, %d unhealthy, %d on a stale tree",
				len(s.drones), len(s.drones)-st.Drones.Online, st.Drones.Grounded, unhealthy, len(st.StaleDrones))
		}
	}
	return st
}

// notes lists the stalling and the held packages, and counts the binary
// availability of the current plan (the packages in the queue, whatever
// their state: one not built, failed or excluded is missing for a client
// all the same, plus those the last fresh found already binary, and how
// many of them have a promoted build in the index), for Status: from the
// indexes (index.go), so a status costs what it names and not a walk over
// a 100,000-package queue under the store's lock.
func (s *State) notes() (stalling, held []PackageNote, bin Binary) {
	bin = Binary{Available: s.freshBinaries + uint64(s.index.binaries), Total: s.freshBinaries + uint64(len(s.packages))}
	for atom := range s.index.noted {
		stalling, held = noteOn(s.packages[atom], stalling, held)
	}
	sortNotes(stalling, held)
	return stalling, held, bin
}

// noteOn adds p to the stalling or the held notes when it belongs there.
func noteOn(p *Package, stalling, held []PackageNote) ([]PackageNote, []PackageNote) {
	if p.Held != "" && p.State == Blocked {
		held = append(held, PackageNote{Atom: p.Atom, State: p.State, Reason: p.Held})
	}
	if p.Stalls > 0 && p.State != Built && p.State != Building {
		stalling = append(stalling, PackageNote{Atom: p.Atom, State: p.State, Stalls: p.Stalls,
			Reason: fmt.Sprintf("stalled %d times (failed on %s)", p.Stalls, strings.Join(p.FailedOn, ", "))})
	}
	return stalling, held
}

// sortNotes puts the most stalled first, and the held by atom.
func sortNotes(stalling, held []PackageNote) {
	slices.SortFunc(stalling, func(a, b PackageNote) int {
		return cmp.Or(cmp.Compare(b.Stalls, a.Stalls), cmp.Compare(a.Atom, b.Atom))
	})
	slices.SortFunc(held, func(a, b PackageNote) int { return cmp.Compare(a.Atom, b.Atom) })
}

// Count returns how many packages are in state st.
func (s *State) Count(st PackageState) int { return s.counts[st.index()] }

// QueueRow is one line of `swarm queue --json`.
type QueueRow struct {
	Atom           string       `json:"atom"`
	State          PackageState `json:"state"`
	Attempts       uint32       `json:"attempts"`
	Drone          string       `json:"drone"` // "" unless building
	LastFailure    string       `json:"last_failure"`
	LastFailureSeq uint64       `json:"last_failure_seq,omitempty"`
	FailedOn       []string     `json:"failed_on"`
	ReturnedBy     []string     `json:"returned_by"`
	Fence          uint64       `json:"fence,omitempty"`
	LeaseUntil     time.Time    `json:"lease_until,omitzero"`
	EnqueuedSeq    uint64       `json:"enqueued_seq"`
	BuiltBy        string       `json:"built_by,omitempty"`
	BuiltSeq       uint64       `json:"built_seq,omitempty"`
	Requires       []string     `json:"requires"` // capabilities a drone needs to build it
	Use            string       `json:"use,omitempty"`
	Deps           []string     `json:"deps,omitempty"`        // queued packages it needs built first
	WaitingFor     []string     `json:"waiting_for,omitempty"` // those not built yet
	PrioritySec    float64      `json:"priority_s,omitempty"`  // remaining critical path, as planned
	Stalls         uint32       `json:"stalls,omitempty"`      // builds failed for making no progress
	Held           string       `json:"held,omitempty"`        // why it is held blocked (its build could not start)
	Binary         bool         `json:"binary"`                // a promoted build of it is in the index
}

// QueueList lists the packages in state stateFilter ("" for all), in the
// order they joined the queue. The failed ones come from their index
// (status lists them on every call); another filter walks the queue.
func (s *State) QueueList(stateFilter string) []QueueRow {
	if stateFilter == string(Failed) {
		return s.rowsOf(s.index.failed)
	}
	var rows []QueueRow
	if stateFilter == "" {
		rows = make([]QueueRow, 0, len(s.packages))
	}
	for _, p := range s.packages {
		if stateFilter != "" && string(p.State) != stateFilter {
			continue
		}
		rows = append(rows, s.row(p))
	}
	sortRows(rows)
	return rows
}

// DroneRow is one line of `swarm drones --json`.
type DroneRow struct {
	ID                  string      `json:"id"`
	Status              DroneStatus `json:"status"`
	Health              Health      `json:"health"`
	Online              bool        `json:"online"`
	Cores               uint32      `json:"cores"`
	MemoryMB            uint64      `json:"memory_mb"`
	CPUPercent          float64     `json:"cpu_percent"`
	MemoryPercent       float64     `json:"memory_percent"`
	DiskPercent         float64     `json:"disk_percent"`
	Load                float64     `json:"load"`
	Tasks               []string    `json:"tasks"`
	LastSeen            *time.Time  `json:"last_seen"` // null if never heard from
	GroundedUntil       time.Time   `json:"grounded_until,omitzero"`
	GroundReason        string      `json:"ground_reason,omitempty"`
	ConsecutiveFailures uint32      `json:"consecutive_failures"`
	Capabilities        []string    `json:"capabilities"`
	Version             string      `json:"version,omitempty"`
	Tree                string      `json:"tree,omitempty"`
	Registered          time.Time   `json:"registered,omitzero"`
	Fingerprint         string      `json:"fingerprint,omitempty"` // of its portage settings
}

// DroneList lists the drones sorted by id, with their status as of s.Time.
func (s *State) DroneList() []DroneRow {
	rows := make([]DroneRow, 0, len(s.drones))
	for _, d := range s.drones {
		r := DroneRow{
			ID: d.ID, Status: d.StatusAt(s.Time), Health: d.Health, Online: d.Online,
			Cores: d.Cores, MemoryMB: d.MemoryMB, CPUPercent: d.CPUPercent,
			MemoryPercent: d.MemoryPercent, DiskPercent: d.DiskPercent, Load: d.Load,
			Tasks: nonNil(d.Tasks), ConsecutiveFailures: uint32(d.ConsecutiveFailures()),
			Capabilities: nonNil(d.Capabilities), Version: d.Version, Tree: d.Tree,
			Registered: d.Registered, Fingerprint: d.Fingerprint,
		}
		if d.Grounded {
			r.GroundedUntil, r.GroundReason = d.GroundedUntil, d.GroundReason
		}
		if !d.LastSeen.IsZero() {
			t := d.LastSeen
			r.LastSeen = &t
		}
		rows = append(rows, r)
	}
	slices.SortFunc(rows, func(a, b DroneRow) int { return cmp.Compare(a.ID, b.ID) })
	return rows
}

// nonNil copies a list so the view shares nothing with the State, and makes
// an empty one print as [] rather than null.
func nonNil(list []string) []string {
	return append(make([]string, 0, len(list)), list...)
}

// Package returns the package atom, with its lists copied.
func (s *State) Package(atom string) (Package, bool) {
	p := s.packages[atom]
	if p == nil {
		return Package{}, false
	}
	return *p.clone(), true
}

// Drone returns the drone id, with its lists copied.
func (s *State) Drone(id string) (Drone, bool) {
	d := s.drones[id]
	if d == nil {
		return Drone{}, false
	}
	return *d.clone(), true
}

// Exclusions returns the exclusions in force, oldest first.
func (s *State) Exclusions() []Exclusion { return slices.Clone(s.exclusions) }

// View is everything `swarm replay --json` prints: the status object with
// the drones and the queue under drone_list and queue_list.
type View struct {
	Status
	DroneList []DroneRow `json:"drone_list"`
	QueueList []QueueRow `json:"queue_list"`
}

// View returns the status, the drones and the whole queue.
func (s *State) View() View {
	return View{Status: s.Status(), DroneList: s.DroneList(), QueueList: s.QueueList("")}
}

// Expected returns the expected build time of package cp (cat/name): the
// last completed build's, else what an emerge.log taught; false if unknown.
func (s *State) Expected(cp string) (time.Duration, bool) {
	d, ok := s.durations[cp]
	return d, ok
}

// Lookup finds the queue key of the package atom names: atom itself, else
// the one queued package with the same cat/name-version (the queue may hold
// it with its slot and repository, as emerge printed it). ok is false when
// there is none, or more than one.
func (s *State) Lookup(atom string) (key string, ok bool) {
	if _, ok := s.packages[atom]; ok {
		return atom, true
	}
	want := bare(atom)
	for k := range s.packages {
		if bare(k) == want {
			if key != "" {
				return "", false
			}
			key = k
		}
	}
	return key, key != ""
}

// ExpectedAll returns a copy of every expected build time, by cat/name.
func (s *State) ExpectedAll() map[string]time.Duration { return maps.Clone(s.durations) }

// Durations returns how many packages have an expected build time.
func (s *State) Durations() int { return len(s.durations) }

// Records is how many packages and drones the State holds: most of what
// a snapshot of it encodes, and what its cost grows with, which the
// orchestrator's snapshot cadence weighs (commands.snapshotter). An event
// adds at most one of either.
func (s *State) Records() int { return len(s.packages) + len(s.drones) }

// RecentCompletions returns the times of the builds completed in the hour
// before s.Time, oldest first (a copy).
func (s *State) RecentCompletions() []time.Time { return slices.Clone(s.recent.live()) }
