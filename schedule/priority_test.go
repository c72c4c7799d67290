package schedule

import (
	"errors"
	"slices"
	"testing"
	"time"
)

const s = time.Second

// chain makes jobs 0 → 1 → … where each needs the one before.
func chain(work ...time.Duration) []Job {
	jobs := make([]Job, len(work))
	for i, w := range work {
		jobs[i].Work = w
		if i > 0 {
			jobs[i].Deps = []int{i - 1}
		}
	}
	return jobs
}

func TestPriorities(t *testing.T) {
	tests := []struct {
		name string
		jobs []Job
		want []time.Duration
	}{
		{"empty", nil, []time.Duration{}},
		{"single", []Job{{Work: 5 * s}}, []time.Duration{5 * s}},
		{"chain: each sees the rest of the chain", chain(1*s, 2*s, 3*s), []time.Duration{6 * s, 5 * s, 3 * s}},
		{
			// 0 ← 1 (4s) ← 3 (1s); 0 ← 2 (1s) ← 3: the diamond's long side counts.
			"diamond",
			[]Job{{Work: 2 * s}, {Work: 4 * s, Deps: []int{0}}, {Work: 1 * s, Deps: []int{0}}, {Work: 1 * s, Deps: []int{1, 2}}},
			[]time.Duration{7 * s, 5 * s, 2 * s, 1 * s},
		},
		{
			// Dependencies listed after their dependents, and a duplicate edge.
			"reverse order",
			[]Job{{Work: 1 * s, Deps: []int{1, 1}}, {Work: 10 * s, Deps: []int{2}}, {Work: 0}},
			[]time.Duration{1 * s, 11 * s, 11 * s},
		},
		{
			// A long independent job outranks a short job with a short chain.
			"fork",
			[]Job{{Work: 1 * s}, {Work: 2 * s, Deps: []int{0}}, {Work: 2 * s, Deps: []int{0}}, {Work: 9 * s}},
			[]time.Duration{3 * s, 2 * s, 2 * s, 9 * s},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Priorities(tt.jobs)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Priorities = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCriticalPath(t *testing.T) {
	jobs := []Job{{Work: 2 * s}, {Work: 4 * s, Deps: []int{0}}, {Work: 1 * s, Deps: []int{0}}, {Work: 1 * s, Deps: []int{1, 2}}}
	for _, tt := range []struct {
		cores int
		want  time.Duration
	}{{RefCores, 7 * s}, {2 * RefCores, 3500 * time.Millisecond}, {RefCores / 2, 14 * s}} {
		got, err := CriticalPath(jobs, Drone{Cores: tt.cores})
		if err != nil || got != tt.want {
			t.Errorf("CriticalPath on %d cores = %v, %v; want %v", tt.cores, got, err, tt.want)
		}
	}
	if _, err := CriticalPath(jobs, Drone{}); !errors.Is(err, ErrBadFleet) {
		t.Errorf("CriticalPath on a drone without cores: %v, want ErrBadFleet", err)
	}
}

func TestPrioritiesErrors(t *testing.T) {
	tests := []struct {
		name string
		jobs []Job
		want error
		text string
	}{
		{"cycle", []Job{{ID: "a/x", Deps: []int{2}}, {ID: "a/y", Deps: []int{0}}, {ID: "a/z", Deps: []int{1}}}, ErrCycle,
			`dependency cycle: job "a/x" needs job "a/z" needs job "a/y" needs job "a/x"`},
		{"cycle behind a good job", []Job{{}, {Deps: []int{0, 2}}, {Deps: []int{1}}}, ErrCycle,
			"dependency cycle: job 1 needs job 2 needs job 1"},
		{"self", []Job{{ID: "a/x", Deps: []int{0}}}, ErrBadJob, `bad job: job "a/x" depends on job 0 (there are 1 jobs)`},
		{"out of range", []Job{{Deps: []int{3}}}, ErrBadJob, "bad job: job 0 depends on job 3 (there are 1 jobs)"},
		{"negative", []Job{{ID: "a/x"}, {ID: "a/y", Work: -s}}, ErrBadJob, `bad job: job "a/y" has negative work -1s`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Priorities(tt.jobs)
			if !errors.Is(err, tt.want) || err.Error() != tt.text {
				t.Errorf("Priorities: %v, want %q", err, tt.text)
			}
		})
	}
}

func TestMergeOrder(t *testing.T) {
	// 0 needs 2 and 1; 1 needs 3; 4 stands alone; the root is 0.
	jobs := []Job{{ID: "a", Deps: []int{2, 1}}, {ID: "b", Deps: []int{3}}, {ID: "c"}, {ID: "d"}, {ID: "e"}}
	got, idx, err := MergeOrder(jobs, []int{0})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, j := range got {
		ids = append(ids, j.ID)
	}
	if want := []string{"c", "d", "b", "a", "e"}; !slices.Equal(ids, want) {
		t.Errorf("merge order %v, want %v", ids, want)
	}
	if want := []int{3, 2, 0, 1, 4}; !slices.Equal(idx, want) {
		t.Errorf("new indexes %v, want %v", idx, want)
	}
	if !slices.Equal(got[3].Deps, []int{0, 2}) || !slices.Equal(got[2].Deps, []int{1}) {
		t.Errorf("deps not renumbered: a %v, b %v", got[3].Deps, got[2].Deps)
	}
	if !slices.Equal(jobs[0].Deps, []int{2, 1}) {
		t.Errorf("MergeOrder changed its input: %v", jobs[0].Deps)
	}
	if _, _, err := MergeOrder([]Job{{Deps: []int{0}}}, nil); !errors.Is(err, ErrBadJob) {
		t.Errorf("bad job: %v", err)
	}
}
