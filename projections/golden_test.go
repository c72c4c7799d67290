package projections

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/swarm-build/swarm/events"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// The golden files are `swarm replay --json` as of the end of each scenario:
// the status object plus drone_list and queue_list. A change to a JSON key
// or to a transition shows up as a diff here; regenerate on purpose with
// `go test ./projections -run Golden -update` and read the diff.
func TestGolden(t *testing.T) {
	scenarios := map[string][]events.Event{
		"empty":          nil,
		"lifecycle":      lifecycle(),
		"stale_queue":    staleQueue(),
		"farm_seed7":     newFarm(7, 6).events(600),
		"excluded_paths": exclusions(),
	}
	for name, evs := range scenarios {
		t.Run(name, func(t *testing.T) {
			s := feed(New(), evs...)
			got, err := json.MarshalIndent(s.View(), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", name+".golden")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the golden file:\n%s", name, firstDiff(got, want))
			}
		})
	}
}

func health(id, h string, cpu, mem float64) events.Event {
	return events.Event{Type: events.TypeDroneHealth, Actor: id, Drone: id, Health: h,
		CPUPercent: cpu, MemoryPercent: mem, DiskPercent: 41.5, Load: 7.25}
}

// lifecycle is a small farm's morning: every kind of event once or twice.
func lifecycle() []events.Event {
	fail := ev(events.TypeFailed, "dev-lang/rust-1.84.0", "beta", 3)
	fail.Signature, fail.Excerpt = "compile-error", "error[E0425]: cannot find value"
	returned := ev(events.TypeReturned, "dev-qt/qtbase-6.8.1", "beta", 4)
	returned.Reason = "critical: memory 97%"
	return []events.Event{
		{Type: events.TypeFreshStarted, Actor: "operator", Tree: "2026-02-05T00:45Z"},
		{Type: events.TypeFreshCompleted, Actor: "operator", Tree: "2026-02-05T00:45Z", Count: 5},
		register("alpha"), register("beta"), register("gamma"),
		ev(events.TypeEnqueued, atomA, "", 0), ev(events.TypeEnqueued, atomB, "", 0),
		ev(events.TypeEnqueued, "dev-lang/rust-1.84.0", "", 0), ev(events.TypeEnqueued, "dev-qt/qtbase-6.8.1", "", 0),
		ev(events.TypeEnqueued, "app-editors/vim-9.1.0", "", 0),
		ev(events.TypeClaimed, atomA, "alpha", 1), ev(events.TypeClaimed, atomB, "alpha", 2),
		ev(events.TypeClaimed, "dev-lang/rust-1.84.0", "beta", 3), ev(events.TypeClaimed, "dev-qt/qtbase-6.8.1", "beta", 4),
		health("alpha", "healthy", 88.5, 61.25), ev(events.TypeLeaseRenewed, atomA, "alpha", 1),
		ev(events.TypeCompleted, atomB, "alpha", 2),
		{Type: events.TypePromoted, Actor: "orchestrator", Atom: atomB},
		fail, health("beta", "critical", 99, 97.5), returned,
		{Type: events.TypeGrounded, Actor: "orchestrator", Drone: "beta", Reason: "critical health", Until: t0.Add(time.Hour)},
		{Type: events.TypeDroneOffline, Actor: "orchestrator", Drone: "gamma"},
		ev(events.TypeClaimed, "dev-lang/rust-1.84.0", "alpha", 5),
		{Type: events.TypeQueuePaused, Actor: "operator", Reason: "binhost disk full"},
	}
}

// staleQueue replays the field incident: a queue computed against a newer
// tree fails everywhere with the same signature; the farm pauses itself
// instead of grounding healthy drones.
func staleQueue() []events.Event {
	evs := []events.Event{register("d1"), register("d2"), register("d3")}
	atoms := []string{"dev-libs/openssl-3.3.2", "sys-libs/glibc-2.40-r5", "dev-lang/python-3.13.1"}
	for _, a := range atoms {
		evs = append(evs, ev(events.TypeEnqueued, a, "", 0))
	}
	for i, a := range atoms {
		id, fence := []string{"d1", "d2", "d3"}[i], uint64(i+1)
		fail := ev(events.TypeFailed, a, id, fence)
		fail.Signature = "slot-conflict"
		evs = append(evs, ev(events.TypeClaimed, a, id, fence), fail)
	}
	return append(evs, events.Event{Type: events.TypeQueuePaused, Actor: "orchestrator",
		Reason: "systemic failure: slot-conflict on 3 drones; run swarm fresh"})
}

func exclusions() []events.Event {
	return []events.Event{
		register("d1"),
		ev(events.TypeEnqueued, "www-client/firefox-134.0", "", 0), ev(events.TypeEnqueued, "www-client/chromium-132.0.6834.83", "", 0),
		ev(events.TypeEnqueued, atomA, "", 0),
		{Type: events.TypeExcluded, Actor: "operator", Pattern: "www-client/*", Reason: "built by hand"},
		{Type: events.TypeExcluded, Actor: "operator", Pattern: "sys-devel/llvm", Drone: "d1", Reason: "too little memory"},
		{Type: events.TypeIncluded, Actor: "operator", Pattern: "www-client/*"},
		{Type: events.TypeExcluded, Actor: "operator", Pattern: "www-client/chromium", Reason: "upstream broken"},
	}
}
