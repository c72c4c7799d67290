package schedule

import (
	"errors"
	"slices"
	"testing"
	"time"
)

func TestPlanLifecycle(t *testing.T) {
	// b and c need a; d needs b and c. Queue order puts the short one first.
	jobs := []Job{
		{ID: "a", Work: 1 * s},
		{ID: "c", Work: 1 * s, Deps: []int{0}},
		{ID: "b", Work: 5 * s, Deps: []int{0}},
		{ID: "d", Work: 1 * s, Deps: []int{1, 2}},
	}
	p, err := NewPlan(jobs, PolicyCriticalPath)
	if err != nil {
		t.Fatal(err)
	}
	ready := func() []int { return slices.Collect(p.Ready()) }
	if !slices.Equal(ready(), []int{0}) || p.State(3) != Waiting || p.Remaining() != 4 {
		t.Fatalf("start: ready %v, d %s", ready(), p.State(3))
	}
	must(t, p.Start(0))
	must(t, p.Finish(0))
	if !slices.Equal(ready(), []int{2, 1}) {
		t.Errorf("after a: ready %v, want b (5s) before c (1s)", ready())
	}
	if i, ok := p.Pick(Drone{Cores: 8}, nil, func(i int) bool { return i != 2 }); !ok || i != 1 {
		t.Errorf("Pick skipping b = %d, %v; want c", i, ok)
	}
	must(t, p.Start(2))
	must(t, p.Return(2)) // its drone gave it back: ready again, in its place
	if !slices.Equal(ready(), []int{2, 1}) || p.State(2) != Ready {
		t.Errorf("after returning b: ready %v", ready())
	}
	must(t, p.Start(2))
	must(t, p.Finish(2))
	if p.State(3) != Waiting {
		t.Errorf("d is %s with c not done", p.State(3))
	}
	must(t, p.Finish(1)) // c was already on the binhost: done without running
	if !slices.Equal(ready(), []int{3}) || p.Remaining() != 1 {
		t.Errorf("after b and c: ready %v, remaining %d", ready(), p.Remaining())
	}
	if i, ok := p.Index("d"); !ok || i != 3 || p.Job(3).ID != "d" || p.Priority(2) != 6*s {
		t.Errorf("Index(d) = %d, %v; Priority(b) = %v", i, ok, p.Priority(2))
	}
}

func TestPlanStateErrors(t *testing.T) {
	p, err := NewPlan(chain(s, s), PolicyFIFO)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		err  error
		text string
	}{
		{"start a waiting job", p.Start(1), "job is not in a state that allows this: job 1 is waiting, not ready"},
		{"return a ready job", p.Return(0), "job is not in a state that allows this: job 0 is ready, not running"},
		{"start out of range", p.Start(5), "job is not in a state that allows this: job 5 of 2"},
		{"finish out of range", p.Finish(-1), "job is not in a state that allows this: finish job -1 of 2"},
	} {
		if !errors.Is(tt.err, ErrState) || tt.err.Error() != tt.text {
			t.Errorf("%s: %v, want %q", tt.name, tt.err, tt.text)
		}
	}
	must(t, p.Finish(0))
	if err := p.Finish(0); !errors.Is(err, ErrState) {
		t.Errorf("finishing twice: %v", err)
	}
	if _, err := NewPlan([]Job{{ID: "x"}, {ID: "x"}}, PolicyFIFO); !errors.Is(err, ErrBadJob) {
		t.Errorf("duplicate IDs: %v", err)
	}
}

func TestPlanFIFOOrder(t *testing.T) {
	p, err := NewPlan([]Job{{Work: 1 * s}, {Work: 9 * s}, {Work: 5 * s}}, PolicyFIFO)
	if err != nil {
		t.Fatal(err)
	}
	if got := slices.Collect(p.Ready()); !slices.Equal(got, []int{0, 1, 2}) {
		t.Errorf("FIFO ready order %v, want queue order", got)
	}
	// No lookahead: a small drone takes the front job whatever the peers.
	if i, ok := p.Pick(Drone{Cores: 1}, []Peer{{Cores: 64}}, nil); !ok || i != 0 {
		t.Errorf("FIFO Pick = %d, %v", i, ok)
	}
}

// TestPickLookahead: a small drone leaves long jobs to a big drone about to
// be free, counting that drone busy with each job it is left.
func TestPickLookahead(t *testing.T) {
	jobs := []Job{{Work: 60 * s}, {Work: 50 * s}, {Work: 1 * s}}
	p, err := NewPlan(jobs, PolicyCriticalPath)
	if err != nil {
		t.Fatal(err)
	}
	small := Drone{Cores: RefCores}
	big := Peer{Cores: 4 * RefCores, FreeIn: 5 * s}
	tests := []struct {
		peers []Peer
		want  int
	}{
		{nil, 0},                           // nobody else: take the longest
		{[]Peer{{Cores: RefCores}}, 0},     // a peer no faster is no reason to wait
		{[]Peer{{Cores: 2, FreeIn: 0}}, 0}, // nor a slower one
		// 60s job: big ends at 5+15 = 20s, small at 60s → leave it. 50s job:
		// big ends at 20+12.5 = 32.5s, small at 50s → leave it too. 1s: take.
		{[]Peer{big}, 2},
		// The big drone is busy for 45s: 45+15 = 60 ≥ 60: take the first.
		{[]Peer{{Cores: 4 * RefCores, FreeIn: 45 * s}}, 0},
		// Busy for 30s: leave the 60s job (30+15 = 45s); then 45+12.5 ≥ 50: take the 50s one.
		{[]Peer{{Cores: 4 * RefCores, FreeIn: 30 * s}}, 1},
	}
	for _, tt := range tests {
		if i, ok := p.Pick(small, tt.peers, nil); !ok || i != tt.want {
			t.Errorf("Pick with peers %v = %d, %v; want %d", tt.peers, i, ok, tt.want)
		}
	}
	if _, ok := p.Pick(small, []Peer{big}, func(i int) bool { return i != 2 }); ok {
		t.Error("Pick took a job a big drone will finish sooner although nothing else is allowed")
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestEstimates(t *testing.T) {
	m := time.Minute
	e := NewEstimates(map[string]time.Duration{
		"virtual/a": 1 * s, "virtual/b": 2 * s, "virtual/c": 3 * s, "virtual/d": 4 * s,
		"kde-apps/x": 10 * m, "kde-apps/y": 20 * m, // too few for a category median
		"dev-qt/q": 30 * m,
	})
	tests := []struct {
		cp   string
		want time.Duration
		src  Source
	}{
		{"virtual/b", 2 * s, Measured},
		{"virtual/zzz", 2 * s, Category}, // lower middle of 1,2,3,4
		{"kde-apps/z", 4 * s, Overall},   // median of the 7: 1s 2s 3s 4s 10m 20m 30m
		{"nocategory", 4 * s, Overall},
	}
	for _, tt := range tests {
		if got, src := e.Work(tt.cp); got != tt.want || src != tt.src {
			t.Errorf("Work(%q) = %v, %d; want %v, %d", tt.cp, got, src, tt.want, tt.src)
		}
	}
	if got, src := NewEstimates(nil).Work("a/b"); got != 0 || src != Overall {
		t.Errorf("empty history: %v, %d", got, src)
	}
}

// TestLookaheadTake is the rule on its own, as a dispatcher walking its own
// ready order uses it: a 60s and a 50s job offered to an 8-core drone while
// a 32-core drone is busy for 5s more.
func TestLookaheadTake(t *testing.T) {
	l := NewLookahead(Drone{Cores: RefCores}, []Peer{{Cores: 4 * RefCores, FreeIn: 5 * s}, {Cores: 1}})
	for _, tt := range []struct {
		work time.Duration
		want bool
	}{
		{60 * s, false}, // the big drone: 5 + 15 = 20s < 60s; now busy until 20s
		{50 * s, false}, // 20 + 12.5 = 32.5s < 50s; busy until 32.5s
		{40 * s, true},  // 32.5 + 10 = 42.5s ≥ 40s: build it here
	} {
		if got := l.Take(tt.work); got != tt.want {
			t.Errorf("Take(%v) = %v, want %v", tt.work, got, tt.want)
		}
	}
	if !NewLookahead(Drone{Cores: 64}, []Peer{{Cores: 8}}).Take(time.Hour) {
		t.Error("the biggest drone left a job to a smaller one")
	}
}

// TestPickPassesAtMostMaxPassed: however many long jobs a big drone is
// about to want, a pick passes over at most maxPassed of them.
func TestPickPassesAtMostMaxPassed(t *testing.T) {
	jobs := make([]Job, maxPassed+10)
	for i := range jobs {
		jobs[i].Work = time.Duration(1000-i) * time.Hour // priority = index order
	}
	p, err := NewPlan(jobs, PolicyCriticalPath)
	if err != nil {
		t.Fatal(err)
	}
	if i, ok := p.Pick(Drone{Cores: 1}, []Peer{{Cores: 1000}}, nil); !ok || i != maxPassed {
		t.Errorf("Pick = %d, %v; want job %d", i, ok, maxPassed)
	}
}
