package commands

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/swarm-build/swarm/events"
)

// growth is what a simulated farm wrote to its log.
type growth struct {
	bytes     int64 // the events folder on disk at the end
	events    int
	idleBeats int // events about the drone that never builds
	built     int
}

// simulateGrowth runs a farm on the simulated clock for days: 5 drones
// building perWeek packages a week (a new plan every 7 days, builds of 2 to
// 40 minutes, 3 % failing with a 4 KiB log excerpt as drones send, the rest
// promoted and completed), heartbeats every 15 s, a sweep every 5 s, and a
// sixth drone that only heartbeats. Every decision is appended to a real
// log in dir as its own frame, as the server appends one decision at a
// time (no batching: the most bytes). quiet keeps liveness in memory;
// without it the log records every beat (the log before issue 10).
func simulateGrowth(tb testing.TB, dir string, days, perWeek int, quiet bool) growth {
	l, err := events.Open(filepath.Join(dir, "events"), events.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	f := newSimFarm(tb, DefaultRules())
	if !quiet {
		f.live = nil
	}
	var g growth
	f.sink = func(evs ...events.Event) {
		g.events += len(evs)
		for _, e := range evs {
			if e.Drone == "idle" {
				g.idleBeats++
			}
		}
		if _, err := l.Append(context.Background(), evs...); err != nil {
			tb.Fatal(err)
		}
	}
	rng := rand.New(rand.NewPCG(10, uint64(perWeek)))
	drones := []string{"d1", "d2", "d3", "d4", "d5"}
	for _, id := range append(drones, "idle") {
		f.decide(Register(DroneInfo{ID: id, Cores: 16, Slots: 1, Capabilities: []string{"amd64"}}, nil, nil))
	}
	type build struct {
		g    Grant
		done time.Time
		prog uint64
	}
	held := map[string]*build{}
	excerpt := strings.Repeat(">>> Emerging (1 of 1) dev-libs/example-1.0::gentoo\n * ERROR: failed\n", 4096/72)
	end := f.now.Add(time.Duration(days) * 24 * time.Hour)
	for tick := 0; f.now.Before(end); tick++ {
		if tick%(7*24*720) == 0 { // a new week's plan
			week := tick / (7 * 24 * 720)
			atoms := make([]string, perWeek)
			for i := range atoms {
				atoms[i] = fmt.Sprintf("dev-libs/pkg%d-%d.%d", i, week+1, i%7)
			}
			f.decide(Enqueue(ActorOperator, atoms))
		}
		for _, id := range drones {
			b := held[id]
			switch {
			case b == nil:
				var gs []Grant
				f.decide(Dispatch(f.r, f.now, []string{id}, &gs))
				if gs[0].Atom != "" {
					held[id] = &build{g: gs[0], done: f.now.Add(time.Duration(2+rng.IntN(39)) * time.Minute)}
				}
			case !f.now.Before(b.done):
				finish(f, rng, b.g, excerpt, &g)
				delete(held, id)
			}
		}
		if tick%3 == 0 {
			for _, id := range drones {
				var ts []TaskReport
				if b := held[id]; b != nil {
					b.prog += 100
					ts = []TaskReport{{Atom: b.g.Atom, Fence: b.g.Fence, Progress: b.prog}}
				}
				f.decide(Heartbeat(f.r, f.now, id, Beat{Health: "healthy", CPUPercent: 80, MemoryPercent: 40,
					DiskPercent: 30, Load: 12, Tasks: ts}, f.live, nil))
			}
			f.beat("idle")
		}
		f.decide(Maintain(f.r, f.now, f.since, f.live))
		f.now = f.now.Add(5 * time.Second)
		f.log = f.log[:0] // the log on disk is the record here
	}
	if err := l.Close(); err != nil {
		tb.Fatal(err)
	}
	g.bytes = dirBytes(tb, filepath.Join(dir, "events"))
	return g
}

// finish ends a build: promoted and completed, or 3 % failed.
func finish(f *simFarm, rng *rand.Rand, g Grant, excerpt string, out *growth) {
	if rng.IntN(100) < 3 {
		f.decide(Fail(f.r, f.now, g.Drone, g.Atom, g.Fence, Failure{Signature: "compile-error",
			Reason: "emerge exited 1", Excerpt: excerpt}))
		return
	}
	cpv, err := AtomCPV(g.Atom)
	if err != nil {
		f.t.Fatal(err)
	}
	sum := fmt.Sprintf("%064x", rng.Uint64())
	entry := fmt.Sprintf("BUILD_ID: %d\nCPV: %s\nDEFINED_PHASES: compile install\nMD5: %s\nPATH: %s.gpkg.tar\n"+
		"SHA1: %s\nSIZE: 1048576\nUSE: abi_x86_64 amd64 elibc_glibc kernel_linux ssl\nMTIME: 1767225600\n",
		f.st.NextBuildID(cpv), cpv, sum[:32], cpv, sum[:40])
	f.decide(Promote(g.Drone, g.Atom, g.Fence, Promotion{CPV: cpv, BuildID: f.st.NextBuildID(cpv),
		Path: cpv + "-1.gpkg.tar", FileSHA256: sum, Size: 1 << 20, Entry: entry,
		Upload: Binpkg{SHA256: sum, Size: 1 << 20}}))
	f.decide(Complete(g.Drone, g.Atom, g.Fence, Binpkg{SHA256: sum, Size: 1 << 20}))
	out.built++
}

func dirBytes(tb testing.TB, dir string) int64 {
	ents, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	var n int64
	for _, e := range ents {
		fi, err := e.Info()
		if err != nil {
			tb.Fatal(err)
		}
		n += fi.Size()
	}
	return n
}

// BenchmarkLogGrowth measures the log a farm of 5 drones building 2,000
// packages a week writes: a simulated month on the quiet log (the goal:
// under 20 MB, an idle drone under 300 events a day), and a simulated week
// on the loud one for comparison (extrapolated to 30 days). The log is
// written for real (framed, chained, sealed and compressed as in a farm);
// run it with -benchtime=1x:
//
//	go test -run '^$' -bench LogGrowth -benchtime=1x ./commands
func BenchmarkLogGrowth(b *testing.B) {
	for _, c := range []struct {
		name  string
		days  int
		quiet bool
	}{{"quiet", 30, true}, {"loud", 7, false}} {
		b.Run(c.name, func(b *testing.B) {
			var g growth
			for range b.N {
				g = simulateGrowth(b, b.TempDir(), c.days, 2000, c.quiet)
			}
			month := 30.0 / float64(c.days)
			b.ReportMetric(float64(g.bytes)*month/1e6, "MB/month")
			b.ReportMetric(float64(g.events)*month, "events/month")
			b.ReportMetric(float64(g.idleBeats)/float64(c.days), "idle-events/day")
			b.ReportMetric(float64(g.built)*month, "built/month")
			if c.quiet && (float64(g.bytes)*month > 20e6 || g.idleBeats/c.days >= 300) {
				b.Errorf("the quiet log grows %.1f MB a month, %d events a day from an idle drone; goal under 20 MB and 300",
					float64(g.bytes)*month/1e6, g.idleBeats/c.days)
			}
		})
	}
}
