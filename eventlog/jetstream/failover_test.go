package jetstream_test

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var long = flag.Bool("long", false, "run the cluster crash tests long (100 failovers)")

// ack is one acknowledged append of two events, [first, first+1], by tag,
// whose request was sent at sent.
type ack struct {
	first uint64
	tag   string
	sent  time.Time
	at    time.Time
}

// ackBook holds what the appenders were told.
type ackBook struct {
	mu        sync.Mutex
	acks      []ack
	bySeq     map[uint64]string // every seq granted, to its append's tag
	twice     []string          // seqs granted to two appends
	conflicts int               // lost races
	unknown   []string          // tags whose append failed without a conflict
	cond      *sync.Cond
}

func newAckBook() *ackBook {
	b := &ackBook{bySeq: map[uint64]string{}}
	b.cond = sync.NewCond(&b.mu)
	return b
}

func (b *ackBook) add(a ack) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for s := a.first; s < a.first+2; s++ {
		if old, ok := b.bySeq[s]; ok {
			b.twice = append(b.twice, fmt.Sprintf("seq %d to %s and %s", s, old, a.tag))
		}
		b.bySeq[s] = a.tag
	}
	b.acks = append(b.acks, a)
	b.cond.Broadcast()
}

// last is the last seq acknowledged.
func (b *ackBook) last() uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.acks[len(b.acks)-1].first + 1
}

// firstSentAfter waits for the first acknowledged append sent after t.
func (b *ackBook) firstSentAfter(t time.Time) (ack, bool) {
	deadline := time.AfterFunc(waitFor, func() { b.mu.Lock(); b.cond.Broadcast(); b.mu.Unlock() })
	defer deadline.Stop()
	end := time.Now().Add(waitFor)
	b.mu.Lock()
	defer b.mu.Unlock()
	for {
		for _, a := range b.acks {
			if a.sent.After(t) {
				return a, true
			}
		}
		if time.Now().After(end) {
			return ack{}, false
		}
		b.cond.Wait()
	}
}

// appender races the other appenders: it reads the tail from any running
// member, then appends two events at it there (AppendIf), until stop.
func appender(c *cluster, book *ackBook, name string, stop <-chan struct{}) {
	for n := 0; ; n++ {
		select {
		case <-stop:
			return
		default:
		}
		alive := c.alive()
		if len(alive) == 0 {
			time.Sleep(10 * time.Millisecond)
			continue
		}
		m := alive[rand.IntN(len(alive))]
		ans, err := m.do("last")
		if err != nil || !strings.HasPrefix(ans, "ok ") {
			continue
		}
		tag := fmt.Sprintf("%s-%d", name, n)
		sent := time.Now()
		ans, err = m.do(fmt.Sprintf("appendif %s %s 2", strings.TrimPrefix(ans, "ok "), tag))
		switch {
		case err == nil && strings.HasPrefix(ans, "ok "):
			seq, _ := strconv.ParseUint(strings.TrimPrefix(ans, "ok "), 10, 64)
			book.add(ack{first: seq - 1, tag: tag, sent: sent, at: time.Now()})
		case err == nil && ans == "conflict":
			book.mu.Lock()
			book.conflicts++
			book.mu.Unlock()
		default:
			book.mu.Lock()
			book.unknown = append(book.unknown, tag)
			book.mu.Unlock()
		}
	}
}

// TestClusterKillLeader kills the stream's leader -9 again and again while
// two appenders race on every member, and restarts it each time. Every
// append acknowledged is in the log, whole, at the seqs it was given, on
// every member (the killed ones after they caught up by themselves); no
// seq is granted twice; every member verifies the same chain. It logs how
// long appends stalled after each kill (a benchmark, not asserted).
func TestClusterKillLeader(t *testing.T) {
	trials := 20
	if *long {
		trials = 100
	}
	c := startCluster(t, true)
	book := newAckBook()
	stalls := failovers(t, c, book, trials)
	c.waitHealthy()
	checkSurvivors(t, c, book)
	t.Logf("%d failovers, %d appends acknowledged, %d lost races, %d without an answer; "+
		"appends stalled after a kill: median %s, max %s (Raft timing shortened for tests)",
		trials, len(book.acks), book.conflicts, len(book.unknown), stalls[len(stalls)/2], stalls[len(stalls)-1])
}

// BenchmarkFailover measures, with production's Raft timing, how long
// appends stall when the stream's leader is killed -9: from the kill to
// the first append acknowledged among those sent after it, two appenders
// racing through the members. Run it with
//
//	go test -run XXX -bench Failover -benchtime 1x -v ./eventlog/jetstream
func BenchmarkFailover(b *testing.B) {
	const trials = 6
	c := startCluster(b, false)
	book := newAckBook()
	stalls := failovers(b, c, book, trials)
	var ms []string
	for _, s := range stalls {
		ms = append(ms, fmt.Sprintf("%.2f", s.Seconds()))
	}
	b.Logf("%d failovers: stall median %.2f s, min %.2f s, max %.2f s (sorted: %s s)", trials,
		stalls[len(stalls)/2].Seconds(), stalls[0].Seconds(), stalls[len(stalls)-1].Seconds(), strings.Join(ms, ", "))
	b.ReportMetric(stalls[len(stalls)/2].Seconds(), "stall_median_s")
	b.ReportMetric(stalls[len(stalls)-1].Seconds(), "stall_max_s")
}

// failovers kills the stream's leader -9 trials times while two appenders
// race, restarting it each time once an append sent after the kill was
// acknowledged; it returns those stalls, sorted, and leaves the appenders
// stopped.
func failovers(tb testing.TB, c *cluster, book *ackBook, trials int) []time.Duration {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, name := range []string{"x", "y"} {
		wg.Go(func() { appender(c, book, name, stop) })
	}
	defer func() { close(stop); wg.Wait() }()
	var stalls []time.Duration
	for trial := range trials {
		lead := c.waitHealthy()
		if _, ok := book.firstSentAfter(time.Now()); !ok {
			tb.Fatalf("trial %d: no append acknowledged within %s on a healthy cluster", trial, waitFor)
		}
		killed := time.Now()
		lead.kill()
		next, ok := book.firstSentAfter(killed)
		if !ok {
			tb.Fatalf("trial %d: no append acknowledged within %s of killing the leader %s", trial, waitFor, lead.spec.Name)
		}
		stalls = append(stalls, next.at.Sub(killed))
		tb.Logf("trial %d: killed %s, next append %s acknowledged after %s", trial, lead.spec.Name, next.tag, next.at.Sub(killed))
		if err := lead.start(); err != nil {
			tb.Fatalf("trial %d: restart %s: %v", trial, lead.spec.Name, err)
		}
	}
	slices.Sort(stalls)
	return stalls
}

// checkSurvivors reads the log through every member and checks it against
// the book: the same log everywhere, every acknowledged append in it at
// its seqs, appends whole, none twice, the chain verified, and every
// member's own replica holding all of it.
func checkSurvivors(t testing.TB, c *cluster, book *ackBook) {
	t.Helper()
	if len(book.twice) > 0 {
		t.Fatalf("seqs granted twice: %v", book.twice)
	}
	var want string
	for _, m := range c.members {
		got := m.must("actors 1")
		if want == "" {
			want = got
		} else if got != want {
			t.Fatalf("member %s reads another log than member %s", m.spec.Name, c.members[0].spec.Name)
		}
	}
	at := map[uint64]string{}
	seen := map[string]uint64{}
	for i, f := range strings.Fields(want) {
		seq, actor, _ := strings.Cut(f, ":")
		s, _ := strconv.ParseUint(seq, 10, 64)
		if s != uint64(i+1) {
			t.Fatalf("event %d has seq %s", i+1, seq)
		}
		at[s] = actor
		if s%2 == 0 && at[s-1] != actor {
			t.Fatalf("events %d and %d are not one append: %s, %s", s-1, s, at[s-1], actor)
		}
		if first, ok := seen[actor]; ok && first != s-1 {
			t.Fatalf("append %s is in the log twice: at %d and %d", actor, first, s)
		}
		if s%2 == 1 {
			seen[actor] = s
		}
	}
	for _, a := range book.acks {
		if at[a.first] != a.tag || at[a.first+1] != a.tag {
			t.Fatalf("append %s acknowledged at %d-%d; the log holds %q and %q there", a.tag, a.first, a.first+1, at[a.first], at[a.first+1])
		}
	}
	last := uint64(len(at))
	var head string
	for _, m := range c.members {
		v := m.must("verify")
		if !strings.HasPrefix(v, fmt.Sprintf("%d ", last)) || head != "" && v != head {
			t.Fatalf("member %s verifies %q; the log holds %d events (others: %q)", m.spec.Name, v, last, head)
		}
		head = v
	}
	waitReplicas(t, c, last)
}

// waitReplicas waits until every member's own replica ends at last.
func waitReplicas(t testing.TB, c *cluster, last uint64) {
	t.Helper()
	for _, m := range c.members {
		deadline := time.Now().Add(waitFor)
		for {
			var ci clusterInfo
			m.mustJSON("cluster", &ci)
			var own uint64
			for _, r := range ci.Members {
				if r.Name == m.spec.Name {
					own = r.Last
				}
			}
			if own == last {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("member %s's replica ends at %d, the log at %d", m.spec.Name, own, last)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}
