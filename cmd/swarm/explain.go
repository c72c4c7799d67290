package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/internal/termsafe"
	"github.com/swarm-build/swarm/projections"
)

// explanation is what `swarm replay --explain ATOM --json` prints.
type explanation struct {
	Atom    string                `json:"atom"`
	Seq     uint64                `json:"seq"`     // the moment replayed to
	Package *projections.QueueRow `json:"package"` // null if not in the queue then
	Events  []events.Event        `json:"events"`
}

// excerptLines is how much of a failure's log excerpt the story shows.
const excerptLines = 10

// explain tells the story of o.Explain up to st.Seq.
func (o *replayOptions) explain(ctx context.Context, store *commands.Store, st *projections.State) error {
	story, err := o.story(ctx, store, st.Seq)
	if err != nil {
		return err
	}
	if len(story) == 0 {
		return fmt.Errorf("replay: %s has no events as of seq %d%s", o.selector, st.Seq, droneSuffix(o.Drone))
	}
	atoms := storyAtoms(story)
	if len(atoms) > 1 {
		return fmt.Errorf("replay --explain: %s %w: %s; give one", o.selector.Name, commands.ErrAmbiguous, strings.Join(atoms, ", "))
	}
	if len(atoms) == 1 {
		o.Explain = atoms[0]
	}
	pkg := packageRow(st, o.Explain)
	if o.JSON {
		return writeJSON(o.app.out, explanation{Atom: o.Explain, Seq: st.Seq, Package: pkg, Events: story})
	}
	p := palette{o.app.colour(o.app.out)}
	fmt.Fprintln(o.app.out, p.bold(fmt.Sprintf("%s, as of seq %d%s", o.Explain, st.Seq, droneSuffix(o.Drone))))
	printStory(o.app.out, story)
	fmt.Fprintln(o.app.out, "Now: "+termsafe.Line(packageSummary(pkg)))
	return nil
}

// story collects the events that concern the atom (and the drone, if
// given) up to seq until.
func (o *replayOptions) story(ctx context.Context, store *commands.Store, until uint64) ([]events.Event, error) {
	var out []events.Event
	if until == 0 {
		return nil, nil
	}
	for e, err := range store.Log().Events(ctx, 0) {
		if err != nil {
			return nil, fmt.Errorf("read the log: %w", err)
		}
		if e.Seq > until {
			break
		}
		if o.selector.Concerns(e) && (o.Drone == "" || e.Drone == o.Drone) {
			out = append(out, copyEvent(e))
		}
	}
	return out, nil
}

// storyAtoms lists the versions a story's events name, in order of first
// appearance (exclusions by pattern name none).
func storyAtoms(story []events.Event) []string {
	var out []string
	for _, e := range story {
		if e.Atom != "" && !slices.Contains(out, e.Atom) {
			out = append(out, e.Atom)
		}
	}
	return out
}

func droneSuffix(drone string) string {
	if drone == "" {
		return ""
	}
	return " on drone " + drone
}

// packageRow returns atom's queue row in st, or nil.
func packageRow(st *projections.State, atom string) *projections.QueueRow {
	if _, ok := st.Package(atom); !ok {
		return nil
	}
	for _, r := range st.QueueList("") {
		if r.Atom == atom {
			return &r
		}
	}
	return nil
}

// printStory prints the events one a line, folding a run of lease renewals
// of one claim into a single line and showing each failure's log excerpt.
func printStory(w io.Writer, story []events.Event) {
	for i := 0; i < len(story); i++ {
		e := &story[i]
		j := i
		for j+1 < len(story) && story[j+1].Type == events.TypeLeaseRenewed &&
			e.Type == events.TypeLeaseRenewed && story[j+1].Fence == e.Fence && story[j+1].Drone == e.Drone {
			j++
		}
		if j > i {
			last := &story[j]
			fmt.Fprintf(w, "%7d  %s  %-16s drone=%s fence=%d renewed %d times, the last at seq %d (%s), lease=%s\n",
				e.Seq, stampTime(e.Time), e.Type, termsafe.Line(e.Drone), e.Fence, j-i+1, last.Seq, stampTime(last.Time), last.Lease)
			i = j
			continue
		}
		fmt.Fprintln(w, storyLine(e))
		if e.Excerpt != "" {
			printExcerpt(w, e.Excerpt)
		}
	}
}

// storyLine is an event line of a package's story: the atom is implied,
// the actor shown only when it is not the drone.
func storyLine(e *events.Event) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%7d  %s  %-16s", e.Seq, stampTime(e.Time), termsafe.Line(e.Type.String()))
	if e.Drone != "" {
		b.WriteString(" drone=" + termsafe.Line(e.Drone))
	}
	if e.Actor != e.Drone {
		b.WriteString(" by " + termsafe.Line(e.Actor))
	}
	if e.Atom == "" && e.Pattern != "" {
		b.WriteString(" (matches)")
	}
	for _, d := range eventDetails(e, false) {
		if !strings.HasPrefix(d, "error=") {
			b.WriteString(" " + d)
		}
	}
	return b.String()
}

// printExcerpt prints the last lines of a build-log excerpt, indented,
// with its colour codes dropped and other controls escaped.
func printExcerpt(w io.Writer, excerpt string) {
	lines := strings.Split(strings.TrimRight(termsafe.Block(excerpt), "\n"), "\n")
	if len(lines) > excerptLines {
		fmt.Fprintf(w, "         | … %d earlier lines\n", len(lines)-excerptLines)
		lines = lines[len(lines)-excerptLines:]
	}
	for _, l := range lines {
		fmt.Fprintln(w, "         | "+l)
	}
}

// packageSummary says where a package stands, in one line.
func packageSummary(r *projections.QueueRow) string {
	if r == nil {
		return "not in the queue"
	}
	s := string(r.State)
	switch r.State {
	case projections.Building:
		s += " on " + r.Drone
		if !r.LeaseUntil.IsZero() {
			s += ", lease until " + stampTime(r.LeaseUntil)
		}
	case projections.Built:
		if r.BuiltBy != "" {
			s += " by " + r.BuiltBy
		}
	}
	if r.Attempts > 0 {
		s += fmt.Sprintf("; %s", plural(int(r.Attempts), "failed attempt", "failed attempts"))
	}
	if len(r.FailedOn) > 0 {
		s += "; failed on " + strings.Join(r.FailedOn, ", ")
	}
	if r.LastFailure != "" {
		s += "; last failure " + r.LastFailure
	}
	if len(r.ReturnedBy) > 0 {
		s += "; returned by " + strings.Join(r.ReturnedBy, ", ")
	}
	return s
}
