package forensics

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/projections"
)

// failed remembers a failure as evidence, adds it to the open systemic
// pause it belongs to, and opens a stall.
func (f *Finder) failed(e *events.Event) {
	f.fails = append(f.fails, *e)
	if len(f.fails) > keepFails {
		f.fails = slices.Delete(f.fails, 0, len(f.fails)-keepFails)
	}
	if f.pause != nil && e.Signature != "" && strings.Contains(f.pause.Summary, fmt.Sprintf("%q", e.Signature)) {
		f.pause.add(e)
	}
	if e.Signature != projections.SignatureStalled {
		return
	}
	in := f.open(KindStall, e, fmt.Sprintf("%s stalled on %s: %s", e.Atom, e.Drone, e.Reason))
	in.Drones = []string{e.Drone}
	if c, ok := f.claim[e.Atom]; ok && c.Fence == e.Fence {
		in.Start, in.FirstSeq = c.Time, c.Seq
		in.add(&c)
	}
	if r, ok := f.renew[e.Atom]; ok && r.Fence == e.Fence {
		in.add(&r)
	}
	in.add(e)
	f.wait(in, e.Atom)
}

// grounding follows the breaker: two or more drones grounded by it at
// once is a storm, which lasts until none is. Operators' groundings are
// theirs to know about, not an incident.
func (f *Finder) grounding(e *events.Event) {
	if e.Type == events.TypeGrounded && e.Actor == "orchestrator" {
		f.ground[e.Drone] = *e
	} else if _, ok := f.ground[e.Drone]; ok && e.Type == events.TypeUngrounded {
		delete(f.ground, e.Drone)
	} else {
		return
	}
	grounded := len(f.ground)
	if f.storm == nil {
		if e.Type != events.TypeGrounded || grounded < 2 {
			return
		}
		in := f.open(KindGroundingStorm, e, "")
		for _, g := range sortedBySeq(f.ground) {
			f.streak(in, g.Drone, g.Seq)
			in.add(&g)
			in.Drones = addUnique(in.Drones, g.Drone)
		}
		in.Start, in.FirstSeq = in.Timeline[0].Time, in.Timeline[0].Seq
		f.storm = in
	} else {
		if e.Type == events.TypeGrounded {
			f.streak(f.storm, e.Drone, e.Seq)
			f.storm.Drones = addUnique(f.storm.Drones, e.Drone)
		}
		f.storm.add(e)
	}
	total := 0
	for range f.st.Drones() {
		total++
	}
	f.storm.Summary = fmt.Sprintf("grounding storm: %d of %d drones grounded by the circuit breaker", len(f.storm.Drones), total)
	if grounded == 0 {
		f.storm.resolve(e, "every drone ungrounded (last: "+e.Reason+")")
		f.storm = nil
	}
}

// streakSteps bounds the failures shown for one grounding.
const streakSteps = 5

// streak adds to in the failures that grounded drone at seq: its failures
// since its last completed build (the last few of them).
func (f *Finder) streak(in *Incident, drone string, seq uint64) {
	var since time.Time
	if d, ok := f.st.Drone(drone); ok {
		since = d.LastBuilt
	}
	var streak []*events.Event
	for i := range f.fails {
		if m := &f.fails[i]; m.Drone == drone && m.Seq < seq && !m.Time.Before(since) {
			streak = append(streak, m)
		}
	}
	for _, m := range streak[max(0, len(streak)-streakSteps):] {
		in.add(m)
	}
}

func sortedBySeq(m map[string]events.Event) []events.Event {
	out := make([]events.Event, 0, len(m))
	for _, e := range m {
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b events.Event) int { return int(a.Seq) - int(b.Seq) })
	return out
}

// pausing follows systemic pauses: the failures that made one (same
// signature, within the window) and what lifted it.
func (f *Finder) pausing(e *events.Event) {
	if e.Type == events.TypeQueuePaused && e.Signature != "" && f.pause == nil {
		in := f.open(KindSystemicPause, e, fmt.Sprintf("systemic pause: %q failed across the fleet", e.Signature))
		from := e.Time.Add(-f.Window)
		for i := range f.fails {
			if m := &f.fails[i]; m.Signature == e.Signature && !m.Time.Before(from) {
				in.add(m)
				in.Drones = addUnique(in.Drones, m.Drone)
				in.Atoms = addUnique(in.Atoms, m.Atom)
			}
		}
		in.add(e)
		in.Start, in.FirstSeq = in.Timeline[0].Time, in.Timeline[0].Seq
		f.pause = in
		return
	}
	if f.pause == nil {
		return
	}
	f.pause.add(e)
	if f.st.Paused == nil {
		how := "resumed by " + e.Actor
		if e.Type == events.TypeFreshCompleted {
			how = "a fresh on tree " + orNone(e.Tree) + " cleared it"
		}
		f.pause.resolve(e, how)
		f.pause = nil
	}
}

// dying follows a drone that went silent: its work reclaimed, who built
// that work instead, and whether it came back.
func (f *Finder) dying(e *events.Event) {
	switch e.Type {
	case events.TypeDroneOffline:
		in := f.open(KindDroneDeath, e, fmt.Sprintf("drone %s went silent (%s)", e.Drone, e.Reason))
		in.Drones = []string{e.Drone}
		if last, ok := f.own[e.Drone]; ok {
			in.Start, in.FirstSeq = last.Time, last.Seq
			in.Timeline = append(in.Timeline, step(&last))
			in.Timeline[0].Text = "last recorded event of " + e.Drone + ": " + in.Timeline[0].Text
		}
		in.add(e)
		f.death[e.Drone] = in
	case events.TypeReclaimed:
		in := f.death[e.Drone]
		if in == nil || !strings.Contains(e.Reason, "offline") {
			return
		}
		in.add(e)
		f.wait(in, e.Atom)
		in.Summary = fmt.Sprintf("drone %s went silent; %d packages it held were reclaimed", e.Drone, len(in.Atoms))
	case events.TypeDroneOnline:
		in := f.death[e.Drone]
		if in == nil {
			return
		}
		in.add(e)
		delete(f.death, e.Drone)
		if len(f.waiting[in]) == 0 {
			delete(f.waiting, in)
			in.resolve(e, e.Drone+" came back")
		}
	}
}

// rejected opens an incident for an upload that failed verification,
// resolved when the package is built again.
func (f *Finder) rejected(e *events.Event) {
	in := f.open(KindRejectedUpload, e, fmt.Sprintf("upload of %s from %s rejected: %s", e.Atom, e.Drone, e.Reason))
	in.Drones = []string{e.Drone}
	if c, ok := f.claim[e.Atom]; ok && c.Fence == e.Fence {
		in.Start, in.FirstSeq = c.Time, c.Seq
		in.add(&c)
	}
	if u, ok := f.upload[e.Atom]; ok && u.Fence == e.Fence {
		in.add(&u)
	}
	in.add(e)
	f.wait(in, e.Atom)
}
