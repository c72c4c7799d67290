package e2e

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/swarm-build/swarm/api"
	"github.com/swarm-build/swarm/internal/simdrone"
)

// stormLong runs the storm kill test's long campaign.
var stormLong = flag.Bool("long", false, "long mode: 500 storm kill trials instead of 50, 100 cluster leader kills instead of 20")

// stormDrones is how many drones report at once in the storm.
const stormDrones = 32

// TestKill9DuringAStormOfReports: the orchestrator batches every drone's
// report with the others that arrived meanwhile and answers each only
// once its batch is durable. So kill -9 it, again and again, while 32
// drones (over the HTTP API) claim, complete, fail, return and heartbeat
// as fast as it answers: after the last restart every claim and report
// it answered 200 is in the log at the seq it answered with, no package
// was ever claimed by two drones at once, and `swarm verify` passes. Each
// trial enqueues more work with the CLI while the server is down, starts
// it, lets the storm run until a random number of answers came back, and
// kills it. 50 trials; -long runs 500.
func TestKill9DuringAStormOfReports(t *testing.T) {
	t.Parallel()
	trials := 50
	if *stormLong {
		trials = 500
	}
	newFarm(t).stormKill(trials)
}

// stormKill runs trials of the storm on f (see
// TestKill9DuringAStormOfReports) and checks what they leave: every answer
// in the log, no double claim, verify passing.
func (f *farm) stormKill(trials int) {
	t := f.t
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	ids := make([]string, stormDrones)
	for i := range ids {
		ids[i] = fmt.Sprintf("s%02d", i)
		f.addDrone(ids[i])
	}
	addr := freeLoopbackAddr(t)
	var acks []simdrone.Ack
	var refused int
	for trial := range trials {
		// Enough work that no trial runs dry before its target (up to 329
		// answers): 120 packages, about 300 answers with retries, were not
		// after a trial 0 that took nearly all of its own (seed
		// 1796358512450876204: 282 answers, target 302).
		atoms := make([]string, 200)
		for i := range atoms {
			atoms[i] = fmt.Sprintf("dev-libs/storm%d-%d.%d", trial, i, i%5)
		}
		f.enqueue(atoms...)
		f.serveOn(addr)
		got, ref := stormUntilKilled(t, f, ids, rng)
		acks, refused = append(acks, got...), refused+ref
	}
	f.serveOn(addr) // the last restart: it cuts a torn tail, if the kill left one
	f.stopServer()

	evs := f.events()
	bySeq := make(map[uint64]event, len(evs))
	for _, e := range evs {
		bySeq[e.Seq] = e
	}
	want := map[string]string{api.VerbClaim: "claimed", api.VerbComplete: "completed",
		api.VerbFail: "failed", api.VerbReturn: "returned"}
	counts := map[string]int{}
	for _, a := range acks {
		counts[a.Verb]++
		e, ok := bySeq[a.Seq]
		if !ok || e.Type != want[a.Verb] || e.Atom != a.Atom || e.Fence != a.Fence || e.Drone != a.Drone {
			t.Errorf("answered 200 to %s %s of %s (fence %d) as seq %d, but the log's event %d is %v",
				a.Drone, a.Verb, a.Atom, a.Fence, a.Seq, a.Seq, e)
		}
	}
	if counts[api.VerbClaim] == 0 || counts[api.VerbComplete] == 0 || counts[api.VerbFail] == 0 || counts[api.VerbReturn] == 0 {
		t.Errorf("the storm did not mix its reports: %v", counts)
	}
	var st chaosStats
	f.checkNoDoubleClaims(&st)
	if out, errOut, code := f.run("verify"); code != 0 {
		t.Errorf("swarm verify: exit %d\n%s%s", code, out, errOut)
	}
	t.Logf("%d trials, %d drones: %d answers checked in a log of %d events %v; %d stale reports refused",
		trials, stormDrones, len(acks), len(evs), counts, refused)
}

// stormUntilKilled runs the drones against the farm's server until they
// got a random number of answers, kills the server with SIGKILL, and
// returns what it acknowledged.
func stormUntilKilled(t testing.TB, f *farm, ids []string, rng *rand.Rand) ([]simdrone.Ack, int) {
	t.Helper()
	hc := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: stormDrones}}
	defer hc.CloseIdleConnections()
	var count atomic.Int64
	drones := make([]*simdrone.Drone, len(ids))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	for i, id := range ids {
		d := simdrone.New(f.url, id, f.token(id), hc,
			simdrone.Mix{Fail: 12, Return: 8, BeatEvery: 3, HoldMax: 1 + i%2}, rng.Uint64())
		d.Count = &count
		drones[i] = d
		wg.Go(func() { _ = d.Run(ctx, 50*time.Millisecond) })
	}
	target := int64(30 + rng.IntN(300))
	deadline := time.Now().Add(time.Minute)
	for count.Load() < target {
		if time.Now().After(deadline) {
			t.Fatalf("the storm got %d answers in a minute, want %d", count.Load(), target)
		}
		time.Sleep(5 * time.Millisecond)
	}
	f.server.kill9()
	wg.Wait() // every call ends: the server is gone
	var acks []simdrone.Ack
	refused := 0
	for _, d := range drones {
		acks = append(acks, d.Acks...)
		refused += d.Refused
	}
	return acks, refused
}
