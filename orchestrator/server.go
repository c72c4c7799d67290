package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/config"
	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/portage/gpkg"
	"github.com/swarm-build/swarm/projections"
)

// Options configure a Server.
type Options struct {
	// StateDir is the .swarm folder. Its config.toml is watched: drones
	// admitted or removed and thresholds changed take effect without a
	// restart. Empty: the configuration given to New is fixed.
	StateDir string
	Logger   *slog.Logger
	Version  string        // this release, reported by /v1/health
	MaxWait  time.Duration // the longest a claim may long-poll; 0: 30s
	// Fresh runs `swarm fresh` (sync, pretend, replace the queue); the
	// server calls it every farm.fresh_every. Nil: no scheduled fresh.
	Fresh func(context.Context) error
	// Binhost is the binhost folder (config.BinhostDir) and Key the farm's
	// signing key: uploads are promoted there and it is served at
	// /binhost/. Empty: uploads are refused and nothing is served.
	Binhost string
	Key     *gpkg.Key
	// Leadership, when several orchestrators share one replicated log,
	// says whether this one leads (leader.go). Nil: it always leads.
	Leadership Leadership
}

// Server is the orchestrator. Create it with New and run it with Run.
type Server struct {
	store *commands.Store
	opts  Options
	log   *slog.Logger
	start time.Time   // when New made it
	lead  leaderState // whether it leads, and since when (leader.go)
	// live is what heartbeats say between events (drones heard from,
	// builds renewed): kept here, not in the log (commands.Liveness).
	live   *commands.Liveness
	eta    commands.ETAMemo // status reuses an ETA for a few seconds (commands.ETAReuse)
	cfgMu  sync.RWMutex
	cfg    config.Config
	cfgGen atomic.Uint64  // counts the loads of cfg after the first: a connection's proof is of one (droneAuthorized)
	flat   []string       // config.Flatten(cfg), made on first use after a load (flatConfig)
	stamp  fileStamp      // config.toml as last loaded
	kick   chan struct{}  // the log moved: run a dispatch round
	claims chan *claimReq // to wait in the dispatcher (park)
	// parked counts the claims handed to the dispatcher and not yet
	// answered: with none, a change needs no round, and a new claim is
	// decided in a forming round (dispatcher.go).
	parked  atomic.Int64
	formMu  sync.Mutex
	form    *forming      // the round new claims join; nil: the next claim starts one
	closing atomic.Bool   // shutting down: claims are answered at once
	broke   chan struct{} // an append failed: see whether the log is broken
	stats   dispatchStats // what the dispatcher decided, for api.DispatchPath
	done    chan struct{} // closed when the loops have stopped
	// sweeps counts the maintenance sweeps decided: what a test waits on
	// before asserting that a sweep did not reclaim.
	sweeps atomic.Uint64
	// claiming counts the claim calls in progress (waiting or answering).
	claiming atomic.Int64
	conns    *limitListener // set by Run
	exposed  bool           // listening beyond loopback: views need a token
	url      string         // where it listens, as serve.json says (set by Run)
	cpvs     cpvLocks       // promotions of one CPV, one at a time
	index    indexer        // the Packages index's writer (index.go)
	hub      *streamHub     // the event stream's feed (stream.go)
	metrics  *metrics       // what /metrics reports beyond the state (metrics.go)
	// staged, when set (by the upload benchmark), is called as an upload
	// has been received and its size and SHA-256 checked: the end of the
	// transfer proper, before promotion.
	staged func()
}

// New returns a server deciding against store with configuration cfg.
func New(store *commands.Store, cfg config.Config, opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.MaxWait <= 0 {
		opts.MaxWait = 30 * time.Second
	}
	s := &Server{
		store: store, opts: opts, log: opts.Logger, start: time.Now(), cfg: cfg, live: commands.NewLiveness(),
		kick: make(chan struct{}, 1), claims: make(chan *claimReq), broke: make(chan struct{}, 1),
		done: make(chan struct{}), hub: newStreamHub(), metrics: newMetrics(),
	}
	s.lead.since, s.lead.ready = s.start, make(chan struct{})
	s.initLive()
	s.leaderMetrics()
	s.clusterMetrics()
	s.index.due = make(chan struct{}, 1)
	s.stamp, _ = stampOf(s.configPath())
	store.StartSnapshots() // no drone's request waits on a snapshot being written
	return s
}

// Run serves the API on ln and runs the dispatcher and the maintenance loop
// until ctx is done; then it answers waiting claims, stops accepting, lets
// requests in flight finish (up to 10 seconds) and returns. Connections
// are limited as [server] says (see ConnLimits).
func (s *Server) Run(ctx context.Context, ln net.Listener) error {
	cfg := s.config().Server
	nofile, err := descriptorLimit()
	if err != nil {
		return fmt.Errorf("serve: reading the descriptor limit: %w", err)
	}
	lim, err := connLimits(cfg, nofile)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	ll := newLimitListener(ln, lim)
	s.conns = ll
	s.exposed = !isLoopback(ln.Addr())
	s.url = "http://" + ln.Addr().String()
	hs := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: cfg.HeaderTimeout.Duration,
		ReadTimeout: cfg.ReadTimeout.Duration, IdleTimeout: cfg.IdleTimeout.Duration,
		ConnState: ll.connState, ConnContext: withConn,
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)}
	// The stream and the counters /metrics keeps start at the log's end
	// as it is before the first request: what this server appends is all
	// counted, however late the hub's goroutine gets going.
	streamFrom := s.streamStart(ctx)
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ll) }()

	loops, stop := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Go(func() { s.dispatcher(loops) })
	wg.Go(func() { s.maintenance(loops) })
	wg.Go(func() { s.watchConfig(loops) })
	wg.Go(func() { s.freshLoop(loops) })
	wg.Go(func() { s.healLoop(loops) })
	wg.Go(func() { s.selfHealLoop(loops) })
	wg.Go(func() { s.indexLoop(loops) })
	wg.Go(func() { s.streamLoop(loops, streamFrom) })
	wg.Go(func() { s.leaderLoop(loops) })
	s.log.Info("orchestrator running", "listen", ln.Addr().String(), "version", s.opts.Version,
		"max_connections", lim.Max, "per_address", lim.PerAddr, "drone_connections", lim.Reserved,
		"views_need_token", s.exposed)

	select {
	case <-ctx.Done():
		s.log.Info("shutting down: answering waiting drones, finishing requests")
	case err = <-served:
		err = fmt.Errorf("serve: %w", err)
	}
	s.closing.Store(true)
	stop()
	wg.Wait()
	close(s.done)
	shut, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if e := hs.Shutdown(shut); e != nil && err == nil {
		err = fmt.Errorf("shut down: %w", e)
	}
	return err
}

// config returns the current configuration.
func (s *Server) config() config.Config {
	s.cfgMu.RLock()
	defer s.cfgMu.RUnlock()
	return s.cfg
}

// flatConfig is config.Flatten of the current configuration, made once per
// load: the config watcher compares it with the log's every half second,
// and flattening a config that admits 1,000 drones was 8 % of the server's
// CPU on the fleet probe. The slice is shared: read it, do not modify it.
func (s *Server) flatConfig() []string {
	s.cfgMu.RLock()
	flat := s.flat
	s.cfgMu.RUnlock()
	if flat != nil {
		return flat
	}
	s.cfgMu.Lock()
	defer s.cfgMu.Unlock()
	if s.flat == nil {
		s.flat = config.Flatten(s.cfg)
	}
	return s.flat
}

func (s *Server) rules() commands.Rules {
	r := commands.RulesFrom(s.config())
	r.Release = s.opts.Version
	return r
}

// changed wakes the dispatcher, when claims wait there, and the event
// stream: the log moved.
func (s *Server) changed() {
	s.hub.poke()
	if s.parked.Load() == 0 {
		return // every append used to wake the dispatcher for a round of nobody
	}
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// execute runs a decider and, when it appended, wakes the dispatcher and
// logs what the operator should hear about.
func (s *Server) execute(ctx context.Context, d commands.Decider) (commands.Outcome, error) {
	start := time.Now()
	out, err := s.store.Execute(ctx, d)
	s.metrics.appended(len(out.Events), start)
	if err != nil {
		s.appendFailed()
	}
	if len(out.Events) > 0 {
		s.changed()
		s.logEvents(out.Events)
	}
	return out, err
}

// logEvents logs the events an operator watching the server wants to see.
func (s *Server) logEvents(evs []events.Event) {
	for i := range evs {
		e := &evs[i]
		switch e.Type {
		case events.TypeCompleted:
			s.log.Info("built", "atom", e.Atom, "drone", e.Drone)
		case events.TypeFailed:
			s.log.Info("build failed", "atom", e.Atom, "drone", e.Drone, "signature", e.Signature, "reason", e.Reason, "final", e.Final)
		case events.TypeReclaimed:
			s.log.Warn("reclaimed", "atom", e.Atom, "drone", e.Drone, "reason", e.Reason)
		case events.TypeReturned:
			s.log.Warn("returned", "atom", e.Atom, "drone", e.Drone, "reason", e.Reason)
		case events.TypeGrounded:
			s.log.Warn("drone grounded", "drone", e.Drone, "until", e.Until, "reason", e.Reason)
		case events.TypeUngrounded:
			s.log.Info("drone ungrounded", "drone", e.Drone, "reason", e.Reason)
		case events.TypeDroneOffline:
			s.log.Warn("drone offline", "drone", e.Drone, "reason", e.Reason)
		case events.TypeDroneOnline:
			s.log.Info("drone online", "drone", e.Drone)
		case events.TypeDroneRegistered:
			s.log.Info("drone registered", "drone", e.Drone, "cores", e.Cores, "slots", e.Count, "version", e.Version)
		case events.TypeQueuePaused:
			s.log.Error("dispatching paused", "reason", e.Reason)
		}
	}
}

// maintenance runs the sweep (leases, offline drones, stalls, cooldowns).
// It runs at least twice per heartbeat so a dead drone's work moves within
// three heartbeats. Each round also lets the index loop catch up with
// events other processes appended (a `verify --repair`), and every
// logPruneEvery it prunes the build logs, so an idle farm prunes too.
func (s *Server) maintenance(ctx context.Context) {
	var pruned time.Time
	for {
		cfg := s.config()
		every := cfg.Server.MaintenanceEvery.Duration
		if hb := cfg.Farm.Heartbeat.Duration / 2; hb > 0 && hb < every {
			every = hb
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(max(every, 10*time.Millisecond)):
		}
		if s.leading() {
			if _, err := s.execute(ctx, commands.Maintain(s.rules(), time.Now(), s.since(), s.live)); err != nil && ctx.Err() == nil {
				s.log.Error("maintenance", "err", err)
			}
			s.sweeps.Add(1)
		}
		s.indexDue()
		if now := time.Now(); now.Sub(pruned) >= logPruneEvery {
			pruned = now
			s.pruneBuildLogs(now)
		}
	}
}

// fileStamp identifies a version of a file cheaply.
type fileStamp struct {
	mod  time.Time
	size int64
}

func stampOf(path string) (fileStamp, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{}, err
	}
	return fileStamp{fi.ModTime(), fi.Size()}, nil
}

func (s *Server) configPath() string {
	if s.opts.StateDir == "" {
		return ""
	}
	return filepath.Join(s.opts.StateDir, config.FileName)
}

// watchConfig reloads config.toml when it changes, twice a second, and
// records a hand edit in the log (handEdits).
func (s *Server) watchConfig(ctx context.Context) {
	if s.configPath() == "" {
		return
	}
	t := time.NewTicker(500 * time.Millisecond)
	defer t.Stop()
	var edits handEdits
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.reloadConfig()
			edits.check(ctx, s, time.Now())
		}
	}
}

// reloadConfig loads config.toml if it changed since it was last loaded. A
// file that does not load is reported and the configuration in force kept.
func (s *Server) reloadConfig() {
	path := s.configPath()
	if path == "" {
		return
	}
	st, err := stampOf(path)
	s.cfgMu.RLock()
	same := err == nil && st == s.stamp
	s.cfgMu.RUnlock()
	if same || errors.Is(err, os.ErrNotExist) {
		return
	}
	cfg, err := config.Load(path)
	s.cfgMu.Lock()
	defer s.cfgMu.Unlock()
	s.stamp = st
	if err != nil {
		s.log.Error("config.toml changed but does not load; keeping the configuration in force", "err", err)
		return
	}
	s.cfg, s.flat = cfg, nil
	s.cfgGen.Add(1)
	s.log.Info("config.toml reloaded", "drones", len(cfg.Drones))
}

// freshLoop runs the scheduled fresh: when farm.fresh_every has passed since
// the last completed fresh, it runs one (the leader only: a follower waits). A run that fails is logged as an
// error and tried again after a quarter of the period (at most ten
// minutes); status flags a fresh that is overdue, so a missed run is never
// silent.
func (s *Server) freshLoop(ctx context.Context) {
	if s.opts.Fresh == nil {
		return
	}
	var retryAt time.Time
	for {
		every := s.config().Farm.FreshEvery.Duration
		wait := time.Minute // config may turn it on
		if every > 0 {
			var last time.Time
			if err := s.store.Read(ctx, func(st *projections.State) { last = st.Sync.Time }); err != nil && ctx.Err() == nil {
				s.log.Error("scheduled fresh: read the state", "err", err)
			}
			due := last.Add(every)
			if retryAt.After(due) {
				due = retryAt
			}
			if wait = time.Until(due); wait <= 0 && s.leading() {
				s.log.Info("scheduled fresh: starting", "every", every, "last", last)
				if err := s.opts.Fresh(ctx); err != nil {
					if ctx.Err() != nil {
						return
					}
					retryAt = time.Now().Add(min(every/4, 10*time.Minute))
					s.log.Error("scheduled fresh failed; the queue is unchanged", "err", err, "retry_at", retryAt)
				} else {
					retryAt = time.Time{}
					s.changed()
				}
				continue
			}
			if wait <= 0 { // due, but a follower: the leader runs it
				wait = leaderPoll
			}
			wait = min(wait, time.Minute)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}
