package commands

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/portage"
	"github.com/swarm-build/swarm/projections"
)

// Retention and repair of the binhost: a build leaves the index with a
// pruned event; its file is deleted by the index's writer once an index
// without it is live (binhost.Sweep), so a client never reads an index
// that names a missing file.

// Retain keeps the newest keep builds of each package slot (category/name
// and SLOT, newest by promotion) and prunes the rest. Nothing to prune:
// no events. keep below 1 is refused (config validates it).
func Retain(keep int) Decider {
	return func(st *projections.State) ([]events.Event, error) {
		if keep < 1 {
			return nil, fmt.Errorf("retain: keep %d builds per slot: want at least 1", keep)
		}
		slots := map[string][]projections.Build{}
		for _, b := range st.Builds() {
			k := slotOf(b)
			slots[k] = append(slots[k], b)
		}
		var evs []events.Event
		for _, k := range slices.Sorted(maps.Keys(slots)) {
			bs := slots[k]
			if len(bs) <= keep {
				continue
			}
			slices.SortFunc(bs, func(a, b projections.Build) int { return cmp.Compare(b.Seq, a.Seq) })
			for _, b := range bs[keep:] {
				evs = append(evs, pruned(b, fmt.Sprintf("retention: %d newer builds of %s (binhost.keep)", keep, k)))
			}
		}
		return evs, nil
	}
}

// Damaged is a promoted build whose file verify found damaged.
type Damaged struct {
	CPV     string
	BuildID uint64
	Problem string // what is wrong, for the events' reasons
}

// Repair takes damaged builds out of the index and queues their packages
// again, so they are rebuilt: a pruned event per build and an enqueued
// event (with the reason) per package not already waiting or building.
// Builds already pruned, or unknown, are skipped.
func Repair(actor string, damaged []Damaged) Decider {
	return func(st *projections.State) ([]events.Event, error) {
		live := map[string]projections.Build{}
		for _, b := range st.Builds() {
			live[fmt.Sprintf("%s-%d", b.CPV, b.BuildID)] = b
		}
		var evs []events.Event
		queued := map[string]bool{}
		for _, d := range damaged {
			b, ok := live[fmt.Sprintf("%s-%d", d.CPV, d.BuildID)]
			if !ok {
				continue
			}
			delete(live, fmt.Sprintf("%s-%d", d.CPV, d.BuildID))
			e := pruned(b, "damaged: "+d.Problem)
			e.Actor = actor
			evs = append(evs, e)
			if b.Atom == "" || queued[b.Atom] || Queued(st, b.Atom) {
				continue
			}
			queued[b.Atom] = true
			evs = append(evs, events.Event{Type: events.TypeEnqueued, Actor: actor, Atom: b.Atom,
				Reason: "rebuild: binhost file damaged: " + d.Problem})
		}
		return evs, nil
	}
}

func pruned(b projections.Build, reason string) events.Event {
	return events.Event{Type: events.TypePruned, Actor: ActorOrchestrator, Atom: b.Atom, CPV: b.CPV,
		BuildID: b.BuildID, Path: b.Path, Reason: reason}
}

// slotOf is a build's package slot, "category/name:SLOT" (the SLOT of its
// index entry without the sub-slot; 0 when it has none).
func slotOf(b projections.Build) string {
	name := b.CPV
	if a, err := portage.ParsePackage(b.CPV); err == nil {
		name = a.Category + "/" + a.Name
	}
	slot := "0"
	for line := range strings.Lines(b.Entry) {
		if v, ok := strings.CutPrefix(strings.TrimSuffix(line, "\n"), "SLOT: "); ok && v != "" {
			slot, _, _ = strings.Cut(v, "/")
		}
	}
	return name + ":" + slot
}
