package forensics

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/projections"
)

// Finder reads events in log order and recognises incidents in them. It
// folds the events into a State as it goes, so each judgment sees the farm
// as it stood at that event. Feed it with Add, then ask Incidents.
type Finder struct {
	// Window is how far back a systemic pause's evidence is looked for:
	// the farm's systemic_window.
	Window time.Duration

	st        *projections.State
	fails     []events.Event            // the last failed events, oldest first
	claim     map[string]events.Event   // each package's last claim
	renew     map[string]events.Event   // each package's last lease renewal
	upload    map[string]events.Event   // each package's last upload
	lost      map[string]events.Event   // each package's last claim taken back
	reclaims  map[string]events.Event   // each package's last reclaim
	completed map[string]events.Event   // the last completion of each package once taken back
	fences    map[string]*Incident      // duplicate claims, by package@stale fence
	attempts  map[string][]events.Event // each unsettled package's last claims and failures
	failures  map[string][]string       // each unsettled package's distinct failures (signature on drone)
	failCount map[string]int            // each unsettled package's failures
	retries   map[string]*Incident      // open retried builds, by package
	atoms     map[string]bool           // atoms checked for cleanliness: true when not clean
	rules     *Incident                 // the rule change in force
	ruleSteps int                       // decisions shown after it
	own       map[string]events.Event   // each drone's last own event
	reg       map[string]events.Event   // each drone's last registration
	ground    map[string]events.Event   // groundings in force, by drone
	storm     *Incident
	pause     *Incident
	skew      *Incident
	death     map[string]*Incident          // open drone deaths, by drone
	waiting   map[*Incident]map[string]bool // incidents waiting for packages to be built again
	deploys   map[string]*Incident          // open deploy failures, by remote
	builds    map[string][]events.Event     // each package's completions since it was last enqueued
	twice     map[string]*Incident          // open built-twice incidents, by package
	unbuilt   map[string]uint64             // the seq of each package's completion with no promoted build, not yet past its time
	waitPromo []events.Event                // those completions, in log order (some since promoted or enqueued again)
	late      *Incident                     // the open built-but-not-promoted incident
	lateAtoms map[string]bool               // its packages still without a promoted build
	all       []*Incident
}

// keepFails is how many failures a Finder remembers as evidence.
const keepFails = 512

// NewFinder returns a Finder judging systemic pauses over window.
func NewFinder(window time.Duration) *Finder {
	return &Finder{Window: window, st: projections.New(),
		claim: map[string]events.Event{}, renew: map[string]events.Event{}, upload: map[string]events.Event{},
		own: map[string]events.Event{}, reg: map[string]events.Event{}, ground: map[string]events.Event{},
		death: map[string]*Incident{}, waiting: map[*Incident]map[string]bool{}, deploys: map[string]*Incident{},
		lost: map[string]events.Event{}, reclaims: map[string]events.Event{}, completed: map[string]events.Event{},
		fences: map[string]*Incident{}, attempts: map[string][]events.Event{}, retries: map[string]*Incident{},
		failures: map[string][]string{}, failCount: map[string]int{},
		atoms: map[string]bool{}}
}

// Find reads src from its first event and returns its incidents that were
// open at or after since (every one when since is zero).
func Find(ctx context.Context, src projections.Source, window time.Duration, since time.Time) ([]Incident, error) {
	f := NewFinder(window)
	for e, err := range src.Events(ctx, 1) {
		if err != nil {
			return nil, fmt.Errorf("read the log: %w", err)
		}
		f.Add(e)
	}
	return f.Incidents(since), nil
}

// Add takes the next event of the log.
func (f *Finder) Add(e *events.Event) {
	f.st.Apply(e)
	f.follow(e)
	f.retry(e)
	f.retried(e)
	f.builtTwice(e)
	f.unpromoted(e)
	f.underRules(e)
	switch e.Type {
	case events.TypeFailed:
		f.failed(e)
	case events.TypeGrounded, events.TypeUngrounded:
		f.grounding(e)
	case events.TypeQueuePaused, events.TypeQueueResumed, events.TypeFreshCompleted:
		f.pausing(e)
	case events.TypeDroneOffline, events.TypeDroneOnline, events.TypeReclaimed:
		f.dying(e)
		if e.Type == events.TypeReclaimed {
			f.reclaims[e.Atom] = *e
			if c, ok := f.claim[e.Atom]; ok && c.Fence == e.Fence {
				f.lost[e.Atom] = c
			}
		}
	case events.TypeRejected:
		f.rejected(e)
	case events.TypeClaimed:
		f.claim[e.Atom] = *e
		delete(f.renew, e.Atom)
	case events.TypeCompleted:
		if _, ok := f.lost[e.Atom]; ok { // a duplicate claim's evidence; others need none
			f.completed[e.Atom] = *e
		}
	case events.TypeReportRefused:
		f.fenced(e)
	case events.TypeConfigChanged:
		f.configured(e)
	case events.TypeLeaseRenewed:
		f.renew[e.Atom] = *e
	case events.TypeBinpkgUploaded:
		f.upload[e.Atom] = *e
	}
	f.deploying(e)
	if id := e.Actor; id != "" && id != "operator" && id != "orchestrator" {
		f.own[id] = *e
	}
}

// Incidents returns what was found, in order of their first event, keeping
// those open at or after since (all when since is zero).
func (f *Finder) Incidents(since time.Time) []Incident {
	out := []Incident{}
	for _, in := range f.all {
		if !since.IsZero() && in.Start.Before(since) && in.Resolution != "" && in.Resolved.Before(since) {
			continue
		}
		c := *in
		// Evidence is gathered out of order (each grounded drone's streak
		// after the one before): a timeline is told in log order, and
		// starts at its first event.
		c.Timeline = slices.Clone(in.Timeline)
		slices.SortStableFunc(c.Timeline, func(a, b Step) int { return cmpSeq(a.Seq, b.Seq) })
		if len(c.Timeline) > 0 && c.Timeline[0].Seq < c.FirstSeq {
			c.FirstSeq, c.Start = c.Timeline[0].Seq, c.Timeline[0].Time
		}
		out = append(out, c)
	}
	slices.SortStableFunc(out, func(a, b Incident) int { return cmpSeq(a.FirstSeq, b.FirstSeq) })
	return out
}

// open starts an incident at e.
func (f *Finder) open(kind string, e *events.Event, summary string) *Incident {
	in := &Incident{Kind: kind, Summary: summary, Start: e.Time, FirstSeq: e.Seq}
	f.all = append(f.all, in)
	return in
}

// wait makes in wait for atom to be built again (or given up on) before it
// counts as resolved.
func (f *Finder) wait(in *Incident, atom string) {
	if f.waiting[in] == nil {
		f.waiting[in] = map[string]bool{}
	}
	f.waiting[in][atom] = true
	in.Atoms = addUnique(in.Atoms, atom)
}

// follow adds what happened next to packages incidents wait for: claimed
// again, built, failed for good.
func (f *Finder) follow(e *events.Event) {
	if len(f.waiting) == 0 || e.Atom == "" {
		return
	}
	for in, atoms := range f.waiting {
		if !atoms[e.Atom] {
			continue
		}
		switch {
		case e.Type == events.TypeClaimed:
			in.add(e)
		case e.Type == events.TypeCompleted, e.Type == events.TypeDequeued,
			e.Type == events.TypeFailed && e.Final:
			in.add(e)
			delete(atoms, e.Atom)
		default:
			continue
		}
		if len(atoms) == 0 {
			delete(f.waiting, in)
			in.resolve(e, f.settled(in))
		}
	}
}

// settled says how an incident's packages ended.
func (f *Finder) settled(in *Incident) string {
	built := 0
	for _, a := range in.Atoms {
		if p, ok := f.st.Package(a); ok && (p.State == projections.Built) {
			built++
		}
	}
	if built == len(in.Atoms) && in.Kind == KindDuplicateClaim {
		p, _ := f.st.Package(in.Atoms[0])
		return "built once, by " + p.BuiltBy
	}
	if built == len(in.Atoms) {
		return fmt.Sprintf("built again: %s", join(in.Atoms))
	}
	return fmt.Sprintf("%d of %d packages built again; the rest failed for good or left the queue", built, len(in.Atoms))
}

func join(list []string) string {
	const most = 4
	if len(list) <= most {
		return fmt.Sprint(list)
	}
	return fmt.Sprintf("%v and %d more", list[:most], len(list)-most)
}

func cmpSeq(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
