package events

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
)

// Properties of one process's concurrency (run them with -race) and of the
// hash chain.

// call is what one Append or AppendIf call returned.
type call struct {
	tag    string // the Reason of its first event; the others add /1, /2...
	n      int
	cond   bool
	expect uint64
	last   uint64
	err    error
}

// TestConcurrentAppendMix: 64 goroutines on two Logs of one folder mix
// Append (1 to 4 events) and AppendIf (expecting the last seq they saw).
// Every successful call owns a run of seqs no other call has; together they
// are exactly 1..last; each event is at its seq; a successful AppendIf's
// event follows the seq it expected; a refused one (ErrConflict, and only
// AppendIf) wrote nothing, and the log had moved past what it expected.
func TestConcurrentAppendMix(t *testing.T) {
	dir := t.TempDir()
	logs := []*Log{openT(t, dir, Options{SegmentBytes: 8 << 10}), openT(t, dir, Options{SegmentBytes: 8 << 10})}
	const goroutines, calls = 64, 25
	var lastSeen atomic.Uint64
	results := make([][]call, goroutines)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 7))
			l := logs[g%2]
			for i := range calls {
				c := call{tag: fmt.Sprintf("g%d.%d", g, i), n: 1 + rng.IntN(4), cond: rng.IntN(3) == 0}
				evs := make([]Event, c.n)
				for k := range evs {
					evs[k] = sampleEvent(g*1000 + i)
					evs[k].Reason = fmt.Sprintf("%s/%d", c.tag, k)
				}
				if c.cond {
					c.expect = lastSeen.Load()
					c.last, c.err = l.AppendIf(context.Background(), c.expect, evs...)
				} else {
					c.last, c.err = l.Append(context.Background(), evs...)
				}
				if c.err == nil {
					for old := lastSeen.Load(); old < c.last && !lastSeen.CompareAndSwap(old, c.last); old = lastSeen.Load() {
					}
				}
				results[g] = append(results[g], c)
			}
		})
	}
	wg.Wait()

	got := collect(t, logs[0], 1)
	owner := make([]string, len(got)+1) // seq -> the Reason a call put there
	conflicts := 0
	for _, rs := range results {
		for _, c := range rs {
			switch {
			case c.err == nil:
				if first := c.last - uint64(c.n-1); c.cond && first != c.expect+1 {
					t.Errorf("%s: AppendIf(%d) wrote from seq %d", c.tag, c.expect, first)
				}
				for k := range c.n {
					seq := c.last - uint64(c.n-1-k)
					if seq == 0 || seq >= uint64(len(owner)) || owner[seq] != "" {
						t.Fatalf("%s: seq %d is out of the log or given twice (to %q too)", c.tag, seq, owner[min(seq, uint64(len(owner)-1))])
					}
					owner[seq] = fmt.Sprintf("%s/%d", c.tag, k)
				}
			case errors.Is(c.err, ErrConflict) && c.cond:
				conflicts++
				if c.expect >= uint64(len(got)) {
					t.Errorf("%s: conflict expecting %d, but the log only reached %d", c.tag, c.expect, len(got))
				}
			default:
				t.Errorf("%s (AppendIf %v): %v", c.tag, c.cond, c.err)
			}
		}
	}
	for i, e := range got {
		if e.Seq != uint64(i+1) || e.Reason != owner[e.Seq] {
			t.Fatalf("event %d: seq %d holds %q, want %q", i+1, e.Seq, e.Reason, owner[i+1])
		}
	}
	if conflicts == 0 {
		t.Log("no AppendIf conflicted; the race was not exercised")
	}
	if _, err := logs[1].Verify(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d events from %d calls, %d conflicts, %d segments", len(got), goroutines*calls, conflicts,
		len(readSegments(t, dir)))
}

// TestAppendIfOneWinner: in each round, 64 goroutines on two Logs of one
// folder all AppendIf against the same last seq. Exactly one wins, with the
// next seq; the others get ErrConflict and write nothing.
func TestAppendIfOneWinner(t *testing.T) {
	dir := t.TempDir()
	logs := []*Log{openT(t, dir, Options{SegmentBytes: 4 << 10}), openT(t, dir, Options{SegmentBytes: 4 << 10})}
	const goroutines, rounds = 64, 20
	for round := range rounds {
		expect := uint64(round)
		winners := make(chan string, goroutines)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for g := range goroutines {
			wg.Go(func() {
				e := sampleEvent(g)
				e.Reason = fmt.Sprintf("r%d.g%d", round, g)
				<-start
				last, err := logs[g%2].AppendIf(context.Background(), expect, e)
				switch {
				case err == nil && last == expect+1:
					winners <- e.Reason
				case errors.Is(err, ErrConflict):
				default:
					t.Errorf("round %d, goroutine %d: seq %d, %v", round, g, last, err)
				}
			})
		}
		close(start)
		wg.Wait()
		close(winners)
		var won []string
		for w := range winners {
			won = append(won, w)
		}
		if len(won) != 1 {
			t.Fatalf("round %d: %d winners %v, want 1", round, len(won), won)
		}
		if got := collect(t, logs[round%2], expect+1); len(got) != 1 || got[0].Reason != won[0] {
			t.Fatalf("round %d: the log holds %d new events (%+v), want only %s", round, len(got), got, won[0])
		}
	}
}

// TestChainAfter checks ChainAfter(seq), at every frame and segment edge
// and in between, against the chain recomputed here from its definition
// (SHA-256 of the previous value and the canonical record), on a log of
// several sealed segments and a loose tail; and that every frame header and
// segment header names the chain value before its first event, which Verify
// (whose head must equal the recomputed one) does not check for headers.
func TestChainAfter(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	l := openT(t, dir, Options{SegmentBytes: 4 << 10, Now: fixedClock})
	var evs []Event
	for i := range 150 {
		evs = append(evs, appendT(t, l, sampleEvent(i))...)
		if i%40 == 0 {
			evs = append(evs, appendT(t, l, bulkEvents(1000*i, 400)...)...)
		}
	}
	chain := make([]Hash, len(evs)+1)
	for i := range evs {
		chain[i+1] = chainNext(chain[i], AppendRecord(nil, &evs[i]))
	}
	r, err := l.Verify(ctx)
	if err != nil || r.Head != chain[len(evs)] || r.Events != uint64(len(evs)) {
		t.Fatalf("verify: %+v, %v; recomputed head %v", r, err, chain[len(evs)])
	}

	segs := readSegments(t, dir)
	seqs := map[uint64]bool{0: true, uint64(len(evs)): true}
	sealed := 0
	for _, s := range segs {
		if s.sealed() {
			sealed++
		}
		if s.scan.hdr.prev != chain[s.scan.hdr.first-1] {
			t.Errorf("segment %s names chain %v before seq %d, want %v", s.name, s.scan.hdr.prev, s.scan.hdr.first, chain[s.scan.hdr.first-1])
		}
		for _, fr := range s.scan.frames {
			if fr.hdr.prev != chain[fr.hdr.first-1] {
				t.Errorf("frame at %s offset %d names the wrong chain value", s.name, fr.off)
			}
			end := fr.hdr.first + uint64(fr.hdr.count) - 1
			seqs[fr.hdr.first-1], seqs[fr.hdr.first], seqs[fr.hdr.first+1], seqs[end] = true, true, true, true
			seqs[(fr.hdr.first+end)/2] = true
		}
	}
	if sealed < 2 || len(segs) < 3 {
		t.Fatalf("%d segments, %d sealed; want several sealed", len(segs), sealed)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 50 {
		seqs[1+rng.Uint64N(uint64(len(evs)))] = true
	}
	for seq := range seqs {
		if seq > uint64(len(evs)) {
			continue
		}
		h, err := l.ChainAfter(ctx, seq)
		if err != nil || h != chain[seq] {
			t.Fatalf("ChainAfter(%d) = %v, %v; want %v", seq, h, err, chain[seq])
		}
	}
	if _, err := l.ChainAfter(ctx, uint64(len(evs)+1)); err == nil {
		t.Fatalf("ChainAfter past the end did not fail")
	}
	t.Logf("checked %d seqs over %d segments (%d sealed)", len(seqs), len(segs), sealed)
}

// TestFollowingReader: readers that keep up with the log, asking over and
// over for the events after the last they read (as Store.Execute and
// `swarm log -f` do), while another Log appends, seals and starts segments,
// read every event exactly once and in order. Two readers share one Log, so
// its memory of how far the tail was read is shared too.
func TestFollowingReader(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	w := openT(t, dir, Options{SegmentBytes: 4 << 10})
	r := openT(t, dir, Options{ReadOnly: true})
	const total = 3000
	var written atomic.Uint64
	go func() {
		rng := rand.New(rand.NewPCG(5, 6))
		for n := 0; n < total; {
			evs := bulkEvents(n, min(1+rng.IntN(60), total-n))
			for k := range evs {
				evs[k].Reason = fmt.Sprint(n + k + 1) // its seq: this is the only writer
			}
			if _, err := w.Append(ctx, evs...); err != nil {
				t.Error(err)
				break
			}
			n += len(evs)
			written.Store(uint64(n))
		}
		written.Store(total + 1) // done
	}()
	var wg sync.WaitGroup
	for reader := range 2 {
		wg.Go(func() {
			read, passes := uint64(0), 0
			for read < total {
				done := written.Load() > total
				for e, err := range r.Events(ctx, read+1) {
					if err != nil {
						t.Errorf("reader %d after seq %d: %v", reader, read, err)
						return
					}
					if e.Seq != read+1 || e.Reason != fmt.Sprint(e.Seq) {
						t.Errorf("reader %d after seq %d read seq %d holding %q", reader, read, e.Seq, e.Reason)
						return
					}
					read++
				}
				passes++
				if done && read < total {
					t.Errorf("reader %d: the writer is done, but only %d of %d events read", reader, read, total)
					return
				}
			}
			t.Logf("reader %d read %d events in %d passes", reader, read, passes)
		})
	}
	wg.Wait()
}
