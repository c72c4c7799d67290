package forensics

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/events"
)

// buildPromoted builds atom on drone the way the real path does: the
// upload promoted under the claim, then the completion.
func (f *farm) buildPromoted(drone, atom, cpv string) {
	f.t.Helper()
	fence := f.claim(drone, atom)
	f.tick(time.Minute)
	pr := commands.Promotion{Upload: commands.Binpkg{SHA256: strings.Repeat("ab", 32), Size: 10}, CPV: cpv,
		BuildID: f.st.NextBuildID(cpv), Path: cpv + "-1.gpkg.tar", FileSHA256: strings.Repeat("cd", 32), Size: 20}
	f.do(commands.Promote(drone, atom, fence, pr))
	f.do(commands.Complete(drone, atom, fence, commands.Binpkg{SHA256: pr.Upload.SHA256, Size: 10}))
}

// TestFindUnpromoted is the field's 690 MB in staging: two drones' builds
// completed with no binary package handed over; once the log has moved on
// past commands.PromoteWithin they are one incident, which ends when the
// operator enqueues both again and a drone builds and promotes them.
func TestFindUnpromoted(t *testing.T) {
	const zlib, curl, xz = "sys-libs/zlib-1.3", "net-misc/curl-8.9.1", "app-arch/xz-utils-5.6.2"
	f := newFarm(t, commands.DefaultRules())
	f.register("a", "b")
	f.do(commands.Enqueue(commands.ActorOperator, []string{zlib, curl, xz}))
	f.buildPromoted("b", xz, "app-arch/xz-utils-5.6.2")
	f.build("a", zlib) // no package
	f.build("a", curl) // nor here
	if got := find(t, f); slices.ContainsFunc(got, func(in Incident) bool { return in.Kind == KindUnpromoted }) {
		t.Fatalf("an incident before the log passed PromoteWithin: %+v", got)
	}
	f.tick(commands.PromoteWithin + time.Second)
	f.do(commands.Enqueue(commands.ActorOperator, []string{zlib, curl}))
	in := only(t, find(t, f), KindUnpromoted)
	if !slices.Equal(in.Atoms, []string{zlib, curl}) || !slices.Equal(in.Drones, []string{"a"}) || in.Resolution != "" {
		t.Fatalf("incident %+v; want zlib and curl by a, still open", in)
	}
	if !strings.HasPrefix(in.Summary, "2 packages built but not promoted") {
		t.Errorf("summary %q", in.Summary)
	}
	var handed int
	for _, s := range in.Timeline {
		if s.Type == "completed" && strings.Contains(s.Text, "no binary package handed over") {
			handed++
		}
	}
	if handed != 2 {
		t.Errorf("timeline %+v; want both completions", in.Timeline)
	}

	f.buildPromoted("b", zlib, "sys-libs/zlib-1.3")
	if in = only(t, find(t, f), KindUnpromoted); in.Resolution != "" {
		t.Fatalf("resolved with curl still unpromoted: %q", in.Resolution)
	}
	f.buildPromoted("b", curl, "net-misc/curl-8.9.1")
	in = only(t, find(t, f), KindUnpromoted)
	if want := "built again and promoted: [" + zlib + " " + curl + "]"; in.Resolution != want || in.ResolvedSeq != uint64(len(f.log))-1 {
		t.Errorf("resolution %q at %d, want %q at the last promotion (%d)", in.Resolution, in.ResolvedSeq, want, len(f.log)-1)
	}
}

// TestUnpromotedJudgedByTheLog: the judgment uses the events' own times,
// the same rule status uses (commands.PromotionOverdue): a completion
// followed by an event exactly PromoteWithin later is not late yet, one a
// second after is; a package promoted after its completion (by a log
// written out of swarm's order) or enqueued again in time is not late.
func TestUnpromotedJudgedByTheLog(t *testing.T) {
	tests := []struct {
		name  string
		after func(f *farm, atom string)
		want  bool
	}{
		{name: "exactly PromoteWithin later", after: func(f *farm, _ string) { f.tick(commands.PromoteWithin - time.Minute) }},
		{name: "a second past", after: func(f *farm, _ string) { f.tick(commands.PromoteWithin - time.Minute + time.Second) }, want: true},
		{name: "enqueued again in time", after: func(f *farm, atom string) {
			f.do(commands.Enqueue(commands.ActorOperator, []string{atom}))
			f.tick(time.Hour)
		}},
		{name: "dequeued in time", after: func(f *farm, atom string) {
			f.raw(events.Event{Type: events.TypeDequeued, Actor: "operator", Atom: atom})
			f.tick(time.Hour)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const atom = "sys-libs/zlib-1.3"
			f := newFarm(t, commands.DefaultRules())
			f.register("a", "b")
			f.do(commands.Enqueue(commands.ActorOperator, []string{atom, "dev-libs/other-1"}))
			f.build("a", atom)
			tt.after(f, atom)
			f.tick(time.Minute) // the claim below is the next event, a minute on
			f.claim("b", "dev-libs/other-1")
			got := slices.ContainsFunc(find(t, f), func(in Incident) bool { return in.Kind == KindUnpromoted })
			if got != tt.want {
				t.Errorf("an unpromoted incident: %v, want %v", got, tt.want)
			}
		})
	}
}
