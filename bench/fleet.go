package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/swarm-build/swarm/api"
	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/config"
	"github.com/swarm-build/swarm/internal/simdrone"
)

// fleetPace is how the fleet probe's drones farm: a heartbeat every beat,
// as real drones do (15 s), and builds of buildMin to buildMax. Real builds
// take 2 to 40 minutes; compressed to 5-25 s, claims and reports arrive
// about a hundred times faster than from a real farm of the same size.
type fleetPace struct {
	beat, buildMin, buildMax time.Duration
}

var realFleet = fleetPace{beat: 15 * time.Second, buildMin: 5 * time.Second, buildMax: 25 * time.Second}

// fleetStatusEvery is how often the probe asks GET /v1/status meanwhile.
const fleetStatusEvery = 250 * time.Millisecond

// fleet measures one real `swarm serve` process (a child, so its memory is
// its own) serving many simulated drones over loopback HTTP with a deep
// queue: its peak resident memory, the drones' claim p99, and `status`
// while it runs, over HTTP (/v1/status) and as a new CLI process.
func (r *runner) fleet(ctx context.Context) error {
	n, packages := r.sz.fleetDrones, r.sz.fleetPackages
	name := fmt.Sprintf("fleet_%d", n)
	names := []string{name + "_rss", name + "_claim_p99", name + "_status_http_p99", name + "_status_cold_ms"}
	if r.opts.SwarmBinary == "" {
		r.progress("%s: skipped (no swarm binary)", name)
		for _, nm := range names {
			r.add(Result{Name: nm, Unit: "ms", Goal: "runs", Skipped: true, Detail: "skipped: no swarm binary to run"})
		}
		return nil
	}
	pace := r.sz.fleetPace
	r.progress("%s: %d drones (heartbeats every %v, builds of %v-%v) on %d queued packages against `swarm serve`, %v",
		name, n, pace.beat, pace.buildMin, pace.buildMax, packages, r.sz.fleetRun)
	srv, err := startFleet(ctx, r.opts.SwarmBinary, r.scratchDir(name), n, packages)
	if err != nil {
		return r.fail(name+"_rss", "bytes", err)
	}
	defer srv.stop()
	run, err := srv.run(ctx, r.opts.SwarmBinary, n, r.sz.fleetRun, pace)
	if err != nil {
		return r.fail(name+"_rss", "bytes", err)
	}
	r.add(run.results(names, n, packages, r.sz.fleetRun, pace)...)
	return nil
}

// fleetServer is the swarm serve child process and what its drones need.
type fleetServer struct {
	cmd    *exec.Cmd
	url    string
	state  string // its .swarm folder
	tokens []string
	exited chan error
}

func fleetID(i int) string { return fmt.Sprintf("f%04d", i) }

// startFleet makes a farm in dir with n admitted drones and packages
// queued, and starts `swarm serve` on it.
func startFleet(ctx context.Context, bin, dir string, n, packages int) (*fleetServer, error) {
	if _, err := runSwarm(ctx, bin, "init", dir); err != nil {
		return nil, err
	}
	s := &fleetServer{state: filepath.Join(dir, ".swarm")}
	if err := s.admit(n); err != nil {
		return nil, err
	}
	store, err := commands.OpenStore(s.state, commands.StoreOptions{})
	if err != nil {
		return nil, err
	}
	next := 0
	err = (&benchServer{store: store}).enqueue(ctx, &next, packages)
	if cerr := store.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("queueing %d packages: %w", packages, err)
	}
	return s, s.start(ctx, bin, filepath.Join(dir, "serve.log"))
}

// admit writes n drones' token hashes into the farm's config, and room
// for their connections.
func (s *fleetServer) admit(n int) error {
	path := filepath.Join(s.state, config.FileName)
	data, err := os.ReadFile(path)
	if err == nil {
		data, err = config.Set(data, "server.max_connections", strconv.Itoa(2*n+256))
	}
	if err != nil {
		return err
	}
	b := bytes.NewBuffer(data)
	for i := range n {
		s.tokens = append(s.tokens, "fleet-token-"+fleetID(i))
		fmt.Fprintf(b, "\n[drones.%s]\ntoken_sha256 = %q\n", fleetID(i), config.TokenHash(s.tokens[i]))
	}
	return config.WriteFile(path, b.Bytes())
}

// start runs `swarm serve` on a free loopback port and waits until it
// answers.
func (s *fleetServer) start(ctx context.Context, bin, logPath string) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	ln.Close()
	logf, err := os.Create(logPath)
	if err != nil {
		return err
	}
	s.cmd = exec.Command(bin, "serve", "--dir", s.state, "--listen", addr)
	s.cmd.Env = append(withoutEnv(os.Environ(), "SWARM_DIR"), "NO_COLOR=1")
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	if err := s.cmd.Start(); err != nil {
		logf.Close()
		return err
	}
	s.exited = make(chan error, 1)
	go func() { s.exited <- s.cmd.Wait(); logf.Close() }()
	s.url = "http://" + addr
	deadline := time.Now().Add(2 * time.Minute)
	for {
		resp, err := http.Get(s.url + api.HealthPath)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case err := <-s.exited:
			s.exited <- err
			return fmt.Errorf("swarm serve exited (%v); see %s", err, logPath)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("swarm serve did not answer on %s within 2 minutes; see %s", addr, logPath)
		}
	}
}

// stop ends the server as an operator would (SIGTERM), killing it if it
// does not go.
func (s *fleetServer) stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}

// fleetRun is what one run of the fleet measured.
type fleetRun struct {
	peak, end        int64 // the server's resident memory, bytes
	claims, beats    []time.Duration
	reports          []time.Duration
	statusHTTP       []time.Duration
	statusCold, vers []float64 // ms, interleaved runs
}

// run registers n drones and lets them farm for d while status is asked
// over HTTP every fleetStatusEvery and as a new process a few times.
func (s *fleetServer) run(ctx context.Context, bin string, n int, d time.Duration, pace fleetPace) (*fleetRun, error) {
	hc := httpClient(n)
	defer hc.CloseIdleConnections()
	ds := make([]*simdrone.Drone, n)
	for i := range ds {
		ds[i] = simdrone.New(s.url, fleetID(i), s.tokens[i], hc, simdrone.Mix{HoldMax: 2}, uint64(i+1))
	}
	if err := inParallel(32, n, func(i int) error { return ds[i].Register(ctx) }); err != nil {
		return nil, fmt.Errorf("registering: %w", err)
	}
	runCtx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, n+1)
	for i, dr := range ds {
		wg.Go(func() { errs[i] = farmAs(runCtx, dr, pace, uint64(i)) })
	}
	out := &fleetRun{}
	wg.Go(func() { out.statusHTTP, errs[n] = pollStatus(runCtx, s.url) })
	for k := 0; k < 5 && runCtx.Err() == nil; k++ {
		sleepCtx(runCtx, d/6)
		t0 := time.Now()
		if _, err := runSwarm(ctx, bin, "version"); err != nil {
			return nil, err
		}
		t1 := time.Now()
		if _, err := runSwarm(ctx, bin, "status", "--json", "--dir", s.state); err != nil {
			return nil, err
		}
		out.vers, out.statusCold = append(out.vers, ms(t1.Sub(t0))), append(out.statusCold, ms(time.Since(t1)))
	}
	<-runCtx.Done()
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	var err error
	if out.peak, out.end, err = memoryOf(s.cmd.Process.Pid); err != nil {
		return nil, err
	}
	for _, dr := range ds {
		out.claims = append(out.claims, dr.Latencies[api.VerbClaim]...)
		out.beats = append(out.beats, dr.Latencies[api.VerbHeartbeat]...)
		out.reports = append(out.reports, dr.Latencies["report"]...)
	}
	return out, nil
}

// farmAs plays drone d until ctx ends: a heartbeat every pace.beat (its
// first at a random moment), and a claim with a report on the build before
// after each simulated build.
func farmAs(ctx context.Context, d *simdrone.Drone, pace fleetPace, seed uint64) error {
	rng := rand.New(rand.NewPCG(seed, 0xf1ee7))
	build := func() time.Duration {
		return pace.buildMin + time.Duration(rng.Int64N(int64(pace.buildMax-pace.buildMin)+1))
	}
	now := time.Now()
	beat, step := now.Add(time.Duration(rng.Int64N(int64(pace.beat)))), now.Add(build()/4)
	for {
		wake := step
		if beat.Before(step) {
			wake = beat
		}
		if !sleepCtx(ctx, time.Until(wake)) {
			return nil
		}
		if !time.Now().Before(beat) {
			if err := d.Heartbeat(ctx); err != nil {
				return quietEnd(ctx, err)
			}
			beat = beat.Add(pace.beat)
		}
		if !time.Now().Before(step) {
			if _, err := d.Step(ctx, time.Second); err != nil {
				return quietEnd(ctx, err)
			}
			step = time.Now().Add(build())
		}
	}
}

// pollStatus asks GET /v1/status every fleetStatusEvery until ctx ends.
func pollStatus(ctx context.Context, base string) ([]time.Duration, error) {
	hc := &http.Client{Timeout: time.Minute}
	defer hc.CloseIdleConnections()
	var lat []time.Duration
	for sleepCtx(ctx, fleetStatusEvery) {
		t0 := time.Now()
		resp, err := hc.Get(base + "/" + api.Version + "/status")
		if err != nil {
			return lat, quietEnd(ctx, err)
		}
		_, err = bytes.NewBuffer(nil).ReadFrom(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			return lat, quietEnd(ctx, fmt.Errorf("GET /v1/status: %s %v", resp.Status, err))
		}
		lat = append(lat, time.Since(t0))
	}
	return lat, nil
}

// results are the four figures of one run, named by names.
func (f *fleetRun) results(names []string, n, packages int, d time.Duration, pace fleetPace) []Result {
	const mib = 1 << 20
	rss := Result{Name: names[0], Value: float64(f.peak), Unit: "bytes", Rounds: 1,
		Detail: fmt.Sprintf("peak resident memory (VmHWM) of the swarm serve process; %.0f MiB at the end; %d drones, %d packages queued, %v",
			float64(f.end)/mib, n, packages, d)}
	claim := Result{Name: names[1], Value: percentile(f.claims, 0.99), Unit: "ms", Rounds: 1,
		Detail: fmt.Sprintf("%d claims (p50 %.2f ms), %d reports (p99 %.1f ms), %d heartbeats (p99 %.1f ms); builds compressed to %v-%v",
			len(f.claims), percentile(f.claims, 0.5), len(f.reports), percentile(f.reports, 0.99),
			len(f.beats), percentile(f.beats, 0.99), pace.buildMin, pace.buildMax)}
	st := Result{Name: names[2], Value: percentile(f.statusHTTP, 0.99), Unit: "ms", Rounds: 1,
		Detail: fmt.Sprintf("%d GET /v1/status while the drones farmed: p50 %.1f ms, worst %.1f ms",
			len(f.statusHTTP), percentile(f.statusHTTP, 0.5), percentile(f.statusHTTP, 1))}
	cold := Result{Name: names[3], Value: median(f.statusCold), Unit: "ms", Raw: median(f.vers), RawUnit: "ms",
		Rounds: len(f.statusCold),
		Detail: fmt.Sprintf("`swarm status --json` as a new process on the running farm's folder, %d runs, worst %.1f ms; raw: `swarm version`",
			len(f.statusCold), slices.Max(append(f.statusCold, 0)))}
	if cold.Raw > 0 {
		cold.Ratio = cold.Value / cold.Raw
	}
	return []Result{
		goal{"<= 500 MiB", func(r Result) bool { return r.Value <= 500*mib }}.judge(rss),
		valueAtMost(10, "ms").judge(claim),
		valueAtMost(50, "ms").judge(st),
		valueAtMost(50, "ms").judge(cold),
	}
}

// inParallel runs fn(0..n-1) on k goroutines and returns the first error.
func inParallel(k, n int, fn func(i int) error) error {
	var mu sync.Mutex
	next, errs := 0, []error(nil)
	var wg sync.WaitGroup
	for range k {
		wg.Go(func() {
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= n {
					return
				}
				if err := fn(i); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// sleepCtx sleeps for d and reports whether ctx is still live.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(max(d, 0))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// quietEnd drops an error caused by the end of the run.
func quietEnd(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	return err
}
