// Package simdrone plays drones over the orchestrator's HTTP API without
// building anything: each claims a package and reports on it at once
// (completed, failed or returned, as its Mix says), heartbeating with the
// builds it holds in between. It records what the orchestrator
// acknowledged and how long every call took.
//
// `swarm bench` measures the orchestrator with it (the claims_http and
// heartbeats_http probes), and the e2e storm test kills the orchestrator
// under it and then looks for every acknowledged report in the log.
package simdrone

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/swarm-build/swarm/api"
)

// Mix is how a drone reports on what it claimed, in percent of claims
// (the rest complete), and how often it heartbeats.
type Mix struct {
	Fail, Return int // percent of claims failed, returned
	BeatEvery    int // a heartbeat after every this many claims; 0: never
	HoldMax      int // claims held at once before reporting, at most (0: 1)
}

// Ack is one call the orchestrator answered 200, with what it recorded.
type Ack struct {
	Verb  string // api.VerbClaim, VerbComplete, VerbFail, VerbReturn
	Drone string
	Atom  string
	Fence uint64
	Seq   uint64 // the event that recorded it (a claim's is its fence)
}

// Drone is one simulated drone. Not safe for concurrent use: run one
// goroutine per Drone.
type Drone struct {
	c    *api.Client
	id   string
	mix  Mix
	rng  *rand.Rand
	held []api.Claim

	Acks      []Ack                      // what the orchestrator acknowledged
	Latencies map[string][]time.Duration // per verb, every call that was answered
	Refused   int                        // reports answered 409 (a claim lost meanwhile)
	// Count, when set, is added one per acknowledged claim or report: a
	// storm's progress, read while the drones run.
	Count *atomic.Int64
}

// New returns a drone id with token against the orchestrator at base,
// sharing hc (its transport's idle connections are the drones'
// keep-alive connections).
func New(base, id, token string, hc *http.Client, mix Mix, seed uint64) *Drone {
	return &Drone{c: api.NewClient(base, id, token, hc), id: id, mix: mix,
		rng: rand.New(rand.NewPCG(seed, 0x5157)), Latencies: map[string][]time.Duration{}}
}

// timed runs one call and records its latency when it was answered.
func (d *Drone) timed(verb string, call func() error) error {
	t0 := time.Now()
	err := call()
	if err == nil || errors.Is(err, api.ErrStaleFence) {
		d.Latencies[verb] = append(d.Latencies[verb], time.Since(t0))
	}
	return err
}

// Register introduces the drone, holding nothing: claims an earlier life
// of it held are given back by the orchestrator.
func (d *Drone) Register(ctx context.Context) error {
	d.held = d.held[:0]
	return d.timed(api.VerbRegister, func() error {
		_, err := d.c.Register(ctx, api.RegisterRequest{Cores: 4, Slots: uint32(max(d.mix.HoldMax, 1)),
			Version: "simdrone", Health: "healthy"})
		return err
	})
}

// Heartbeat reports the builds the drone holds.
func (d *Drone) Heartbeat(ctx context.Context) error {
	tasks := make([]api.Task, len(d.held))
	for i, c := range d.held {
		tasks[i] = api.Task{Atom: c.Atom, Fence: c.Fence, Progress: uint64(i)}
	}
	return d.timed(api.VerbHeartbeat, func() error {
		_, err := d.c.Heartbeat(ctx, api.HeartbeatRequest{Health: "healthy", CPUPercent: 50, Tasks: tasks})
		return err
	})
}

// Step claims once (waiting up to wait server-side) and, holding as many
// as the Mix allows, reports on the oldest claim it holds. It reports
// whether a claim was granted. An error is a call that failed other than
// by a stale-fence refusal (the server gone, say).
func (d *Drone) Step(ctx context.Context, wait time.Duration) (bool, error) {
	var got *api.Claim
	err := d.timed(api.VerbClaim, func() error {
		r, err := d.c.Claim(ctx, wait)
		got = r.Claim
		return err
	})
	if err != nil {
		return false, err
	}
	if got != nil {
		d.held = append(d.held, *got)
		d.ack(Ack{Verb: api.VerbClaim, Drone: d.id, Atom: got.Atom, Fence: got.Fence, Seq: got.Fence})
	}
	for len(d.held) > 0 && (got == nil || len(d.held) >= max(d.mix.HoldMax, 1)) {
		if err := d.report(ctx); err != nil {
			return got != nil, err
		}
		if got == nil {
			break
		}
	}
	return got != nil, nil
}

// report reports on the oldest claim held, as the Mix draws.
func (d *Drone) report(ctx context.Context) error {
	c := d.held[0]
	d.held = d.held[1:]
	var verb string
	var ack api.Ack
	err := d.timed("report", func() error {
		var err error
		switch r := d.rng.IntN(100); {
		case r < d.mix.Fail:
			verb = api.VerbFail
			ack, err = d.c.Fail(ctx, api.FailRequest{Atom: c.Atom, Fence: c.Fence,
				Signature: fmt.Sprintf("sig-%d", d.rng.IntN(3)), Reason: "emerge exited 1", Excerpt: "error: simulated"})
		case r < d.mix.Fail+d.mix.Return:
			verb = api.VerbReturn
			ack, err = d.c.Return(ctx, api.ReturnRequest{Atom: c.Atom, Fence: c.Fence, Reason: "simulated return"})
		default:
			verb = api.VerbComplete
			ack, err = d.c.Complete(ctx, api.CompleteRequest{Atom: c.Atom, Fence: c.Fence,
				SHA256: strings.Repeat("ab", 32), Size: 1024})
		}
		return err
	})
	switch {
	case errors.Is(err, api.ErrStaleFence):
		d.Refused++
		return nil
	case err != nil:
		return err
	}
	d.ack(Ack{Verb: verb, Drone: d.id, Atom: c.Atom, Fence: c.Fence, Seq: ack.Seq})
	return nil
}

func (d *Drone) ack(a Ack) {
	d.Acks = append(d.Acks, a)
	if d.Count != nil {
		d.Count.Add(1)
	}
}

// Run registers, then claims and reports until ctx ends or a call fails,
// heartbeating as the Mix says. It returns the first error other than
// ctx's end.
func (d *Drone) Run(ctx context.Context, wait time.Duration) error {
	if err := d.Register(ctx); err != nil {
		return quiet(ctx, err)
	}
	for n := 1; ctx.Err() == nil; n++ {
		if _, err := d.Step(ctx, wait); err != nil {
			return quiet(ctx, err)
		}
		if d.mix.BeatEvery > 0 && n%d.mix.BeatEvery == 0 {
			if err := d.Heartbeat(ctx); err != nil {
				return quiet(ctx, err)
			}
		}
	}
	return nil
}

func quiet(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	return err
}
