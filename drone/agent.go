package drone

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/swarm-build/swarm/api"
)

// Timings the orchestrator does not set.
const (
	// DefaultClaimWait is how long the orchestrator may hold a claim
	// request open when it has nothing to give (a long poll).
	DefaultClaimWait = 5 * time.Second

	defaultHeartbeat = 15 * time.Second // until the orchestrator says otherwise
	defaultLease     = 60 * time.Second
	callTimeout      = 30 * time.Second // one API call, except the claim's long poll
	abortCallTimeout = 3 * time.Second  // one last try at a report while aborting
	retryMin         = 500 * time.Millisecond
	retryMax         = 30 * time.Second
)

// Agent is the drone: it registers with the orchestrator, heartbeats,
// claims packages while it is healthy and has a free slot, builds them and
// reports how each ended. Run it once.
type Agent struct {
	cfg       Config
	client    *api.Client
	follow    *follower // nil: one orchestrator, called directly
	secrets   redactor  // hides the token in what the drone sends
	log       *slog.Logger
	sampler   Sampler
	claimWait time.Duration
	retryMin  time.Duration
	retryMax  time.Duration

	drainOnce, abortOnce sync.Once
	drainCh, abortCh     chan struct{} // closed by Drain and Abort
	wake                 chan struct{} // something changed that may let the claimer claim
	tell                 chan struct{} // the health changed: heartbeat now

	ctx       context.Context         // Run's: ends on abort, fatal error or the caller's cancel
	cancelRun context.CancelCauseFunc // ends ctx
	builds    sync.WaitGroup          // build goroutines
	bg        sync.WaitGroup          // other goroutines Run must outlive
	regMu     sync.Mutex              // one registration at a time
	portage   portageState            // its portage settings (portage.go)

	mu         sync.Mutex // guards the fields below
	settings   api.RegisterResponse
	registered uint64 // registrations so far: a generation for reregister
	health     *Health
	held       map[heldKey]*build
	grounded   bool
	groundEnd  time.Time // zero: until a heartbeat says otherwise
	paused     string
	fatal      error
}

// Option changes how an Agent is made.
type Option func(*Agent)

// WithSampler replaces the machine's resource readings (tests inject
// fixed values to drive the health machine).
func WithSampler(s Sampler) Option { return func(a *Agent) { a.sampler = s } }

// WithHTTPClient sets the HTTP client the API calls use.
func WithHTTPClient(hc *http.Client) Option {
	return func(a *Agent) { a.client = a.newClient(hc) }
}

// WithClaimWait sets how long a claim may wait server-side for work.
func WithClaimWait(d time.Duration) Option { return func(a *Agent) { a.claimWait = d } }

// WithRetry sets the bounds of the backoff between failed calls.
func WithRetry(min, max time.Duration) Option {
	return func(a *Agent) { a.retryMin, a.retryMax = min, max }
}

// New returns an agent for cfg, which must be complete (see
// Config.WithDefaults and Config.Validate). A nil logger discards.
func New(cfg Config, log *slog.Logger, opts ...Option) (*Agent, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	a := &Agent{
		cfg:       cfg,
		secrets:   newRedactor(cfg.Token),
		log:       log.With("drone", cfg.ID),
		sampler:   SystemSampler{Dir: cfg.LogDir},
		claimWait: DefaultClaimWait,
		retryMin:  retryMin,
		retryMax:  retryMax,
		drainCh:   make(chan struct{}),
		abortCh:   make(chan struct{}),
		wake:      make(chan struct{}, 1),
		tell:      make(chan struct{}, 1),
		health:    NewHealth(api.Health{}),
		held:      make(map[heldKey]*build),
	}
	a.client = a.newClient(nil)
	for _, o := range opts {
		o(a)
	}
	if a.cfg.Slots < 1 {
		a.cfg.Slots = 1
	}
	return a, nil
}

// newClient is the API client over hc (nil: a default one). With several
// orchestrators, its transport follows the leader (follow.go); with one,
// it calls it directly, as it always did.
func (a *Agent) newClient(hc *http.Client) *api.Client {
	urls := a.cfg.URLs()
	if len(urls) < 2 {
		return api.NewClient(a.cfg.Orchestrator, a.cfg.ID, a.cfg.Token, hc)
	}
	c := http.Client{}
	if hc != nil {
		c = *hc
	}
	a.follow = newFollower(urls, c.Transport, a.log)
	c.Transport = a.follow
	return api.NewClient(urls[0], a.cfg.ID, a.cfg.Token, &c)
}

// orchestrator is the URL the drone's calls go to now.
func (a *Agent) orchestrator() string {
	if a.follow != nil {
		return a.follow.current()
	}
	return strings.TrimRight(a.cfg.Orchestrator, "/")
}

// Drain asks the agent to stop claiming, finish the builds it holds, report
// them, and then return from Run with nil: the first SIGTERM. It may be
// called at any time, more than once, before or during Run.
func (a *Agent) Drain() {
	a.drainOnce.Do(func() {
		a.log.Info("draining: claiming nothing more, finishing current builds")
		close(a.drainCh)
		a.poke()
	})
}

// Abort asks the agent to stop at once: kill every build's process group,
// return every package it holds with the reason "drone shutting down", and
// return from Run: the second SIGTERM. Cancelling Run's context does the
// same.
func (a *Agent) Abort() {
	a.abortOnce.Do(func() {
		a.log.Warn("aborting: killing builds and returning their packages")
		close(a.abortCh)
	})
}

// errAborted is the cause of Run's context when Abort was called.
var errAborted = errors.New("drone: aborted")

// Run registers and works until drained, aborted or its context ends. It
// returns nil when it stopped because it was asked to, and an error when it
// could not go on: the orchestrator refused its token (matching
// api.ErrUnauthorized) or its request (api.ErrBadRequest).
func (a *Agent) Run(ctx context.Context) error {
	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	a.mu.Lock()
	a.ctx, a.cancelRun = runCtx, cancel
	a.mu.Unlock()
	go func() {
		select {
		case <-a.abortCh:
			cancel(errAborted)
		case <-runCtx.Done():
		}
	}()

	// The log folder first: a drone that cannot write logs cannot build,
	// and its filesystem is the one the disk figure describes.
	if err := os.MkdirAll(a.cfg.LogDir, 0o755); err != nil {
		return fmt.Errorf("drone log folder: %w", err)
	}
	if err := a.register(runCtx, true); err != nil {
		if errors.Is(err, errDrained) || runCtx.Err() != nil && a.fatalErr() == nil {
			return nil // asked to stop before holding anything
		}
		return err
	}
	hbCtx, stopHeartbeats := context.WithCancel(runCtx)
	a.heartbeat(hbCtx) // judge health before the first claim
	a.bg.Go(func() { a.heartbeatLoop(hbCtx) })

	if err := a.claimLoop(runCtx); err != nil {
		a.setFatal(err)
	}
	// Draining: the builds finish and are reported, unless an abort (or a
	// fatal error) comes first, which gives everything back at once.
	built := make(chan struct{})
	go func() { a.builds.Wait(); close(built) }()
	select {
	case <-built:
	case <-runCtx.Done():
		a.stopAll(stopReturn, "drone shutting down")
		<-built
	}
	stopHeartbeats()
	cancel(nil)
	a.bg.Wait()
	if err := a.fatalErr(); err != nil {
		return err
	}
	a.log.Info("stopped")
	return nil
}

// setFatal records the error that ends Run and stops everything.
func (a *Agent) setFatal(err error) {
	a.mu.Lock()
	if a.fatal == nil {
		a.fatal = err
	}
	cancel := a.cancelRun
	a.mu.Unlock()
	a.log.Error("cannot go on", "err", err)
	if cancel != nil {
		cancel(err)
	}
}

func (a *Agent) fatalErr() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.fatal
}

// draining reports whether Drain was called.
func (a *Agent) draining() bool {
	select {
	case <-a.drainCh:
		return true
	default:
		return false
	}
}

// aborting reports whether the agent is giving up its work now: Run's
// context ended (Abort, a fatal error, or the caller's cancel).
func (a *Agent) aborting() bool {
	return a.ctx.Err() != nil
}

// poke wakes the claimer to look at its conditions again.
func (a *Agent) poke() {
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

// State returns the drone's health state (for status displays and tests).
func (a *Agent) State() State {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.health.State()
}

// healthChanged logs a change of health found outside a heartbeat and
// has the next heartbeat sent at once, so the farm learns it promptly.
func (a *Agent) healthChanged(t Transition) {
	if !t.Changed() {
		return
	}
	a.logTransition(t)
	select {
	case a.tell <- struct{}{}:
	default:
	}
}

// logTransition logs a change of health, if it is one.
func (a *Agent) logTransition(t Transition) {
	if !t.Changed() {
		return
	}
	level := slog.LevelWarn
	if t.To == Healthy {
		level = slog.LevelInfo
	}
	a.log.Log(context.Background(), level, "health "+string(t.From)+" → "+string(t.To), "reason", t.Reason)
}
