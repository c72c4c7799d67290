package bench

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/swarm-build/swarm/config"
	"github.com/swarm-build/swarm/internal/simdrone"
)

// claimsHTTPJetStream measures claim + complete through the real
// orchestrator over loopback HTTP, 16 simulated drones, with the log on
// single-node JetStream (the "swarm" side) against the same server on the
// file log (the "raw" side), interleaved in one run: the ratio is what
// moving a farm's log onto JetStream costs its drones.
func (r *runner) claimsHTTPJetStream(ctx context.Context) error {
	const name, n = "claims_http_jetstream_16", 16
	r.progress("%s: %d rounds × %v a side, %d drones claiming and completing over loopback HTTP (file log vs JetStream log)",
		name, r.sz.httpRounds, r.sz.httpSlice, n)
	js := config.Default().Log
	js.Backend = config.BackendJetStream
	file, err := r.claimSide(ctx, filepath.Join(r.scratch, name, "file"), n, config.LogConfig{})
	if err != nil {
		return r.fail(name, unitRate, err)
	}
	defer file.close()
	jet, err := r.claimSide(ctx, filepath.Join(r.scratch, name, "jetstream"), n, js)
	if err != nil {
		return r.fail(name, unitRate, err)
	}
	defer jet.close()
	return r.compareClaims(ctx, name, file, jet)
}

// compareClaims runs raw's and swarm's rounds interleaved and reports the
// claim rate with its p50 and p99, ratios to raw: the one tail of every
// probe that sets an orchestrator on one log against another.
func (r *runner) compareClaims(ctx context.Context, name string, raw, swarm *claimSide) error {
	rounds, err := r.interleave(ctx, name, r.sz.httpRounds, raw.measure, swarm.measure)
	if err != nil {
		return r.fail(name, unitRate, err)
	}
	r.add(summarize(name, unitRate, rounds, headline, report),
		summarize(name+"_p50", "ms", rounds, p50, report), summarize(name+"_p99", "ms", rounds, p99, report))
	return nil
}

// claimSide is one real orchestrator with its drones, claiming and
// completing as fast as it answers.
type claimSide struct {
	r     *runner
	srv   *benchServer
	ds    []*simdrone.Drone
	close func()
	next  int
	depth int
}

func (r *runner) claimSide(ctx context.Context, dir string, n int, backend config.LogConfig) (*claimSide, error) {
	srv, err := startServerOn(dir, n, 0, backend)
	if err != nil {
		return nil, err
	}
	hc := httpClient(n)
	ds, err := srv.drones(ctx, n, hc, simdrone.Mix{})
	if err != nil {
		srv.stop()
		return nil, err
	}
	return &claimSide{r: r, srv: srv, ds: ds, depth: 2000,
		close: func() { hc.CloseIdleConnections(); srv.stop() }}, nil
}

// measure is one round: as many claim + complete pairs as the slice holds.
func (c *claimSide) measure(ctx context.Context) (sample, error) {
	limit := min(c.depth, c.r.sz.httpCap)
	if err := c.srv.topUp(ctx, &c.next, limit); err != nil {
		return sample{}, err
	}
	m := mark(c.ds)
	clk := startClock()
	k, _, err := drive(len(c.ds), limit, c.r.sz.httpSlice, func(w int) error {
		granted, err := c.ds[w].Step(ctx, time.Second)
		if err == nil && !granted {
			err = fmt.Errorf("%s got no claim: the queue ran dry", droneID(w))
		}
		return err
	})
	s := clk.rate(k)
	lat := m.since(c.ds, "claim")
	s.p50, s.p99 = percentile(lat, 0.5), percentile(lat, 0.99)
	c.depth = max(c.depth, 2*k)
	return s, err
}
