package schedule

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestQueueOrder checks the queue against a sorted slice over random adds,
// priority changes and removes: same members, same order, every step.
func TestQueueOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 2))
	var q Queue
	ref := map[int]time.Duration{}
	for step := range 5000 {
		i := rng.IntN(300)
		if rng.IntN(3) == 0 {
			if q.Remove(i) != (ref[i] != 0) {
				t.Fatalf("step %d: Remove(%d) disagrees with the reference", step, i)
			}
			delete(ref, i)
		} else {
			p := time.Duration(1 + rng.IntN(20)) // many ties: the index breaks them
			q.Add(i, p)
			ref[i] = p
		}
		if step%50 == 0 || step > 4900 {
			checkQueue(t, &q, ref)
		}
	}
	for i := range ref {
		q.Remove(i)
	}
	if q.Len() != 0 || slices.Collect(q.All()) != nil {
		t.Errorf("emptied queue: Len %d, All %v", q.Len(), slices.Collect(q.All()))
	}
	q.Add(7, 1) // usable again after emptying
	if got := slices.Collect(q.All()); !slices.Equal(got, []int{7}) {
		t.Errorf("after emptying and adding 7: %v", got)
	}
}

func checkQueue(t *testing.T, q *Queue, ref map[int]time.Duration) {
	t.Helper()
	var want []int
	for i := range ref {
		want = append(want, i)
	}
	slices.SortFunc(want, func(a, b int) int {
		if ref[a] != ref[b] {
			return int(ref[b] - ref[a])
		}
		return a - b
	})
	if got := slices.Collect(q.All()); !slices.Equal(got, want) || q.Len() != len(want) {
		t.Fatalf("queue order %v (Len %d), want %v", got, q.Len(), want)
	}
	for i, p := range ref {
		if got, ok := q.Priority(i); !ok || got != p || !q.Contains(i) {
			t.Fatalf("Priority(%d) = %v, %v; want %v", i, got, ok, p)
		}
	}
}

func TestQueueFirst(t *testing.T) {
	var q Queue
	if _, ok := q.First(nil); ok {
		t.Error("First on the zero Queue found a job")
	}
	q.Add(3, 5)
	q.Add(1, 9)
	q.Add(2, 5)
	if i, ok := q.First(nil); !ok || i != 1 {
		t.Errorf("First = %d, %v; want 1", i, ok)
	}
	if i, ok := q.First(func(i int) bool { return i != 1 }); !ok || i != 2 {
		t.Errorf("First skipping 1 = %d, %v; want 2 (ties go to the lower index)", i, ok)
	}
	if _, ok := q.First(func(int) bool { return false }); ok {
		t.Error("First found a job nobody accepts")
	}
	if q.Contains(-1) || q.Contains(100) || q.Remove(100) {
		t.Error("an index never added is in the queue")
	}
}

// BenchmarkPick20k is one claim on a 20,000-job ready queue as the
// orchestrator makes it: Pick for a 14-core drone among 15 busy peers (one
// with 24 cores), where one queued job in ten is excluded for this drone, then
// Start the job and Return it, so the queue is the same for the next round.
func BenchmarkPick20k(b *testing.B) {
	benchmarkPick(b, PolicyCriticalPath)
}

// BenchmarkPick20kFIFO is the same claim under queue order, for scale.
func BenchmarkPick20kFIFO(b *testing.B) {
	benchmarkPick(b, PolicyFIFO)
}

func benchmarkPick(b *testing.B, policy Policy) {
	const n = 20000
	rng := rand.New(rand.NewPCG(1, 1))
	jobs := make([]Job, n)
	for i := range jobs {
		jobs[i] = Job{Work: time.Duration(rng.ExpFloat64() * float64(5*time.Minute))}
	}
	p, err := NewPlan(jobs, policy)
	if err != nil {
		b.Fatal(err)
	}
	peers := []Peer{{Cores: 24, FreeIn: 3 * time.Minute}}
	for k := range 14 {
		peers = append(peers, Peer{Cores: 8 + k%3*4, FreeIn: time.Duration(k) * time.Minute})
	}
	drone := Drone{ID: "d", Cores: 14}
	excluded := func(i int) bool { return i%10 != 3 }
	b.ResetTimer()
	for b.Loop() {
		i, ok := p.Pick(drone, peers, excluded)
		if !ok {
			b.Fatal("nothing picked")
		}
		if err := p.Start(i); err != nil {
			b.Fatal(err)
		}
		if err := p.Return(i); err != nil {
			b.Fatal(err)
		}
	}
}
