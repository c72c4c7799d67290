package bench

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/swarm-build/swarm/internal/simdrone"
	"github.com/swarm-build/swarm/projections"
)

// The bodies the raw side sends: the size and shape of a drone's claim and
// completion.
var (
	rawClaimBody    = []byte(`{"wait_ms":1000}`)
	rawCompleteBody = []byte(`{"atom":"bench-cat0/pkg123-1.4","fence":123456,"sha256":"` + strings.Repeat("ab", 32) + `","size":1024}`)
	rawBeatBody     = []byte(`{"health":"healthy","cpu_percent":50,"memory_percent":0,"disk_percent":0,"load":0,"tasks":[{"atom":"bench-cat0/pkg123-1.4","fence":123456,"progress":0}]}`)
)

// claimsHTTP measures claim + complete through the real orchestrator, over
// loopback HTTP, with 64 and with 16 simulated drones each claiming and
// completing as fast as it is answered, against rawHTTP answering the same
// two requests.
func (r *runner) claimsHTTP(ctx context.Context) error {
	for _, n := range []int{64, 16} {
		if err := r.claimsHTTPn(ctx, n); err != nil && ctx.Err() != nil {
			return err
		}
	}
	return nil
}

func (r *runner) claimsHTTPn(ctx context.Context, n int) error {
	name := fmt.Sprintf("claims_http_%d", n)
	r.progress("%s: %d rounds × %v a side, %d drones claiming and completing over loopback HTTP (raw durable HTTP vs swarm serve)",
		name, r.sz.httpRounds, r.sz.httpSlice, n)
	p, err := r.startHTTPPair(ctx, name, n, simdrone.Mix{})
	if err != nil {
		return r.fail(name, unitRate, err)
	}
	defer p.close()
	srv, raw, rawHC, ds := p.srv, p.raw, p.rawHC, p.ds
	next, depth := 0, 2000
	rawM := func(ctx context.Context) (sample, error) {
		return rawPairs(ctx, raw, rawHC, n, r.sz.httpCap, r.sz.httpSlice)
	}
	swarmM := func(ctx context.Context) (sample, error) {
		// At most as many claims as wait: each finds work. A round that
		// used them all before its time doubles the depth for the next.
		cap := min(depth, r.sz.httpCap)
		if err := srv.topUp(ctx, &next, cap); err != nil {
			return sample{}, err
		}
		m := mark(ds)
		c := startClock()
		k, _, err := drive(n, cap, r.sz.httpSlice, func(w int) error {
			granted, err := ds[w].Step(ctx, time.Second)
			if err == nil && !granted {
				err = fmt.Errorf("%s got no claim: the queue ran dry", droneID(w))
			}
			return err
		})
		s := c.rate(k)
		lat := m.since(ds, "claim")
		s.p50, s.p99 = percentile(lat, 0.5), percentile(lat, 0.99)
		depth = max(depth, 2*k) // enough for a faster round next
		return s, err
	}
	rounds, err := r.interleave(ctx, name, r.sz.httpRounds, rawM, swarmM)
	if err != nil {
		return r.fail(name, unitRate, err)
	}
	rate := summarize(name, unitRate, rounds, headline, report)
	if n == 64 {
		rate = summarize(name, unitRate, rounds, headline, all(ratioAtLeast(0.7), valueAtLeast(6000, unitRate)))
	}
	p99Goal := ratioAtMost(2)
	if n == 64 {
		p99Goal = all(p99Goal, valueAtMost(15, "ms"))
	} else {
		p99Goal = all(p99Goal, valueAtMost(5, "ms"))
	}
	r.add(rate, summarize(name+"_p50", "ms", rounds, p50, report), summarize(name+"_p99", "ms", rounds, p99, p99Goal))
	return nil
}

// rawPairs drives n clients posting a claim then a completion to raw.
func rawPairs(ctx context.Context, raw *rawHTTP, hc *http.Client, n, cap int, slice time.Duration) (sample, error) {
	lat := make([][]time.Duration, n)
	c := startClock()
	k, _, err := drive(n, cap, slice, func(w int) error {
		t0 := time.Now()
		if err := raw.post(ctx, hc, "/v1/drones/raw/claim", rawClaimBody); err != nil {
			return err
		}
		lat[w] = append(lat[w], time.Since(t0))
		return raw.post(ctx, hc, "/v1/drones/raw/complete", rawCompleteBody)
	})
	s := c.rate(k)
	all := slices.Concat(lat...)
	s.p50, s.p99 = percentile(all, 0.5), percentile(all, 0.99)
	return s, err
}

// heartbeatsHTTP measures heartbeats of 64 drones, each holding one build,
// through the real orchestrator against rawHTTP answering the same.
func (r *runner) heartbeatsHTTP(ctx context.Context) error {
	const name, n = "heartbeats_http_64", 64
	r.progress("%s: %d rounds × %v a side, %d drones heartbeating over loopback HTTP", name, r.sz.httpRounds, r.sz.httpSlice, n)
	p, err := r.startHTTPPair(ctx, name, n, simdrone.Mix{HoldMax: 2})
	if err != nil {
		return r.fail(name, unitRate, err)
	}
	defer p.close()
	srv, raw, rawHC, ds := p.srv, p.raw, p.rawHC, p.ds
	next := 0
	if err := srv.enqueue(ctx, &next, n); err != nil {
		return r.fail(name, unitRate, err)
	}
	for _, d := range ds { // each holds one build, which its heartbeats report
		if _, err := d.Step(ctx, time.Second); err != nil {
			return r.fail(name, unitRate, err)
		}
	}
	rawM := func(ctx context.Context) (sample, error) {
		lat := make([][]time.Duration, n)
		c := startClock()
		k, _, err := drive(n, r.sz.httpCap, r.sz.httpSlice, func(w int) error {
			t0 := time.Now()
			err := raw.post(ctx, rawHC, "/v1/drones/raw/heartbeat", rawBeatBody)
			lat[w] = append(lat[w], time.Since(t0))
			return err
		})
		s := c.rate(k)
		all := slices.Concat(lat...)
		s.p50, s.p99 = percentile(all, 0.5), percentile(all, 0.99)
		return s, err
	}
	swarmM := func(ctx context.Context) (sample, error) {
		m := mark(ds)
		c := startClock()
		k, _, err := drive(n, r.sz.httpCap, r.sz.httpSlice, func(w int) error { return ds[w].Heartbeat(ctx) })
		s := c.rate(k)
		lat := m.since(ds, "heartbeat")
		s.p50, s.p99 = percentile(lat, 0.5), percentile(lat, 0.99)
		return s, err
	}
	rounds, err := r.interleave(ctx, name, r.sz.httpRounds, rawM, swarmM)
	if err != nil {
		return r.fail(name, unitRate, err)
	}
	r.add(summarize(name, unitRate, rounds, headline, valueAtLeast(10_000, unitRate)),
		summarize(name+"_p99", "ms", rounds, p99, valueAtMost(10, "ms")))
	return nil
}

// snapshotWorst drives 64 drones' claims and completions against a server
// whose queue holds many packages, with snapshots at the default interval,
// until at least two snapshots were written during the run, and reports
// the slowest request against the time one snapshot of that State takes
// to write: a request that waited on a snapshot would take at least that.
// A control run follows on a server that writes no snapshots, for as long
// and on as deep a queue: its worst request is what the machine gives
// without them (in Detail).
func (r *runner) snapshotWorst(ctx context.Context) error {
	const name, n = "snapshot_worst_ms", 64
	r.progress("%s: %d drones claiming for at least %v on a queue of %d packages, until two snapshots were written; then as long without snapshots",
		name, n, r.sz.snapRun, r.sz.snapPackages)
	dir := filepath.Join(r.scratch, name)
	srv, ds, next, err := r.snapServer(ctx, dir, n, 0)
	if err != nil {
		return r.fail(name, "ms", err)
	}
	defer srv.stop()
	m := mark(ds)
	seen := map[uint64]bool{newestSnapshot(dir): true}
	t0 := time.Now()
	claims, err := snapDrive(ctx, srv, ds, &next, r.sz.snapPackages, func() (bool, error) {
		seen[newestSnapshot(dir)] = true
		if time.Since(t0) > 5*time.Minute {
			return false, fmt.Errorf("%d snapshots written in 5 minutes of claims", len(seen)-1)
		}
		return len(seen) < 3 || time.Since(t0) < r.sz.snapRun, nil
	})
	if err != nil {
		return r.fail(name, "ms", err)
	}
	took := time.Since(t0)
	lat := append(m.since(ds, "claim"), m.since(ds, "report")...)
	var saveMS float64
	err = srv.store.Read(ctx, func(st *projections.State) {
		t1 := time.Now()
		if err := projections.Save(filepath.Join(dir, "probe"), st, [32]byte{}); err == nil {
			saveMS = ms(time.Since(t1))
		}
	})
	if err != nil || saveMS == 0 {
		return r.fail(name, "ms", fmt.Errorf("timing a snapshot: %v", err))
	}
	srv.stop()
	control, err := r.snapControl(ctx, filepath.Join(r.scratch, name+"_control"), n, took)
	if err != nil {
		return r.fail(name, "ms", fmt.Errorf("the control run without snapshots: %w", err))
	}
	worst := percentile(lat, 1)
	res := Result{Name: name, Value: worst, Unit: "ms", Raw: saveMS, RawUnit: "ms (one snapshot written)",
		Ratio: worst / saveMS, Rounds: 1,
		Detail: fmt.Sprintf("%d claims completed, %d requests in %v, %d snapshots written meanwhile; p99 %.1f ms; "+
			"without snapshots, as long: worst %.1f ms, p99 %.1f ms",
			claims, len(lat), took.Round(time.Millisecond), len(seen)-1, percentile(lat, 0.99),
			percentile(control, 1), percentile(control, 0.99))}
	r.add(goal{"< one snapshot's write", func(res Result) bool { return res.Value < res.Raw }}.judge(res))
	return nil
}

// snapServer starts a server in dir with snapPackages queued and n
// registered drones; snapshotEvery as in StoreOptions.
func (r *runner) snapServer(ctx context.Context, dir string, n, snapshotEvery int) (*benchServer, []*simdrone.Drone, int, error) {
	srv, err := startServer(dir, n, snapshotEvery)
	if err != nil {
		return nil, nil, 0, err
	}
	next := 0
	if err := srv.enqueue(ctx, &next, r.sz.snapPackages); err != nil {
		srv.stop()
		return nil, nil, 0, err
	}
	hc := httpClient(n)
	ds, err := srv.drones(ctx, n, hc, simdrone.Mix{})
	if err != nil {
		srv.stop()
		return nil, nil, 0, err
	}
	return srv, ds, next, nil
}

// snapControl is the snapshot probe's run on a server that writes no
// snapshots, for d: the latencies of its claims and reports.
func (r *runner) snapControl(ctx context.Context, dir string, n int, d time.Duration) ([]time.Duration, error) {
	srv, ds, next, err := r.snapServer(ctx, dir, n, -1)
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	m := mark(ds)
	t0 := time.Now()
	if _, err := snapDrive(ctx, srv, ds, &next, r.sz.snapPackages, func() (bool, error) {
		return time.Since(t0) < d, nil
	}); err != nil {
		return nil, err
	}
	return append(m.since(ds, "claim"), m.since(ds, "report")...), nil
}

// snapDrive has the drones claim and complete in half-second slices, the
// queue topped up to depth between them, while more says so.
func snapDrive(ctx context.Context, srv *benchServer, ds []*simdrone.Drone, next *int, depth int,
	more func() (bool, error)) (int, error) {
	claims := 0
	for {
		if ok, err := more(); err != nil || !ok {
			return claims, err
		}
		if err := srv.topUp(ctx, next, depth/2); err != nil {
			return claims, err
		}
		k, _, err := drive(len(ds), depth/4, 500*time.Millisecond, func(w int) error {
			_, err := ds[w].Step(ctx, time.Second)
			return err
		})
		if err != nil {
			return claims, err
		}
		claims += k
	}
}

// newestSnapshot is the seq of the newest snapshot in the state folder dir.
func newestSnapshot(dir string) uint64 {
	ents, _ := os.ReadDir(filepath.Join(dir, "snapshots"))
	var best uint64
	for _, e := range ents {
		var seq uint64
		if _, err := fmt.Sscanf(e.Name(), "%020d.snap", &seq); err == nil && seq > best {
			best = seq
		}
	}
	return best
}

// httpPair is one probe's two sides: the real orchestrator with its
// simulated drones, and the raw durable HTTP handler with its client.
type httpPair struct {
	srv       *benchServer
	raw       *rawHTTP
	hc, rawHC *http.Client
	ds        []*simdrone.Drone
}

// startHTTPPair starts both sides of probe name for n drones in a folder
// of its own under the scratch folder.
func (r *runner) startHTTPPair(ctx context.Context, name string, n int, mix simdrone.Mix) (*httpPair, error) {
	dir := filepath.Join(r.scratch, name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	p := &httpPair{hc: httpClient(n), rawHC: httpClient(n)}
	var err error
	if p.srv, err = startServer(filepath.Join(dir, "swarm"), n, 0); err != nil {
		return nil, err
	}
	if p.raw, err = startRawHTTP(dir); err != nil {
		p.srv.stop()
		return nil, err
	}
	if p.ds, err = p.srv.drones(ctx, n, p.hc, mix); err != nil {
		p.close()
		return nil, err
	}
	return p, nil
}

func (p *httpPair) close() {
	p.hc.CloseIdleConnections()
	p.rawHC.CloseIdleConnections()
	p.raw.Close()
	p.srv.stop()
}
