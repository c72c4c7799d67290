package orchestrator

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/swarm-build/swarm/api"
)

// Leadership says whether this server leads the farm, when several
// orchestrators share one replicated log (the JetStream cluster: the
// member holding the stream's leadership leads). Only the leader decides:
// it dispatches, records the drones' calls, runs the maintenance sweep,
// the scheduled fresh and self-healing. A follower serves the read views
// from the log it follows and refuses every drone call with 503, code
// api.CodeNotLeader and the leader's URL in api.LeaderHeader, so drones
// go there.
//
// Leader reports whether this process leads and, if not, the leader's
// base URL as drones reach it ("" while none is known). Changed returns a
// channel that is closed or sent on when leadership may have changed; the
// server calls it again after each wake-up, so one long-lived channel or
// a fresh one per change both work. The server also looks every
// leaderPoll, so a missed notification costs at most that.
//
// A nil Leadership (Options.Leadership unset) is a lone orchestrator: it
// always leads, from its start, as before there were several.
type Leadership interface {
	Leader() (self bool, leaderURL string)
	Changed() <-chan struct{}
}

// leaderPoll is how often leadership is looked at without a notification.
const leaderPoll = time.Second

// takeoverWait is how long a drone's call to a server elected but still
// taking over waits for it to finish (catching up with the log), rather
// than being refused and retried after the drone's backoff.
const takeoverWait = 2 * time.Second

// leaderState is what the server made of Leadership: whether it has taken
// over (caught up with the log and restarted the clocks of silence and
// leases), and from when those clocks run.
type leaderState struct {
	took  atomic.Bool
	mu    sync.Mutex
	since time.Time     // silence and leases are counted from no earlier than this
	ready chan struct{} // closed once took is set; a fresh one after a step-down
	// holding counts the drone calls waiting for the takeover (for tests).
	holding atomic.Int32
}

// readyCh is closed once the server has taken over.
func (l *leaderState) readyCh() <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ready
}

// setTook opens (or closes) the gate and wakes the calls waiting on it.
func (l *leaderState) setTook(took bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	was := l.took.Swap(took)
	switch {
	case took && !was:
		close(l.ready)
	case !took && was:
		l.ready = make(chan struct{})
	}
}

// leading reports whether this server may decide now: it leads, and has
// finished taking over. Every loop that decides asks before each decision,
// so a server that lost leadership stops before its next one. A decision
// already in flight when leadership moves cannot do harm either: every
// append is conditional on the log's last position (AppendIf, and
// JetStream's expected last sequence), so an old leader's decision taken
// against a state the new leader has since moved is refused and decided
// again, by then behind this gate.
func (s *Server) leading() bool {
	l := s.opts.Leadership
	if l == nil {
		return true
	}
	self, _ := l.Leader()
	return self && s.lead.took.Load()
}

// leader returns the leader's URL as this server knows it: its own while it
// leads, "" when no leader is known.
func (s *Server) leader() string {
	if l := s.opts.Leadership; l != nil {
		if self, url := l.Leader(); !self {
			return url
		}
	}
	return s.url
}

// since is when this server's count of silence and leases starts: its
// start, or the moment it last took over. The heartbeats the drones sent
// the old leader are in its memory only (commands.Liveness), so the new
// leader counts every drone as heard from, and every claim as renewed, at
// the takeover: no claim is reclaimed and no drone marked offline because
// of the switch, and a drone that is really gone is found out one lease
// (or offline period) later.
func (s *Server) since() time.Time {
	s.lead.mu.Lock()
	defer s.lead.mu.Unlock()
	return s.lead.since
}

// leaderLoop follows Leadership until ctx is done: it takes over when this
// server becomes the leader and steps down when it stops being it.
func (s *Server) leaderLoop(ctx context.Context) {
	l := s.opts.Leadership
	if l == nil {
		return
	}
	woke := false
	for {
		changed := l.Changed()
		s.followLeadership(ctx, woke)
		select {
		case <-ctx.Done():
			return
		case <-changed:
			woke = true
		case <-time.After(leaderPoll):
			woke = false
		}
	}
}

// followLeadership takes over or steps down as Leadership now says. woke
// is a change notification: a server that still leads after one takes
// over again, since leadership may have left and come back between two
// looks, and the heartbeats of the term in between went to another
// server (taking over again only gives the drones more time).
func (s *Server) followLeadership(ctx context.Context, woke bool) {
	self, url := s.opts.Leadership.Leader()
	was := s.lead.took.Load()
	switch {
	case self && (!was || woke):
		if err := s.takeOver(ctx); err != nil {
			if ctx.Err() == nil {
				s.log.Error("taking over as leader; trying again", "err", err)
			}
			return
		}
		s.log.Info("leading the farm: dispatching and recording the drones' calls", "since", s.since())
	case !self && was:
		s.lead.setTook(false)
		s.log.Warn("no longer leading the farm: serving reads, sending drones to the leader", "leader", orNoLeader(url))
	default:
		return
	}
	s.changed() // the dispatcher answers or decides its waiting claims
}

// takeOver makes this server the deciding one: it restarts the clocks of
// silence and leases (see since), catches up with the log (what the old
// leader appended), and only then opens the gate. A claim's fence is the
// seq of its claim event in the one log, so a drone's report with the
// fence the old leader gave it is accepted here as it was there.
func (s *Server) takeOver(ctx context.Context) error {
	s.lead.mu.Lock()
	s.lead.since = time.Now()
	s.lead.mu.Unlock()
	if _, err := s.store.Load(ctx); err != nil {
		return fmt.Errorf("catch up with the log: %w", err)
	}
	s.lead.setTook(true)
	return nil
}

// errNotLeader refuses a drone's call on a follower (writeFailure answers
// it with refuseNotLeader).
var errNotLeader = fmt.Errorf("orchestrator: %w", api.ErrNotLeader)

// mayWrite lets a drone's call through while this server leads, and
// otherwise answers it as a follower does. A call to a server elected but
// still taking over waits for it (up to takeoverWait): the drones that
// follow a new leader arrive at once, and would otherwise each back off.
func (s *Server) mayWrite(w http.ResponseWriter, r *http.Request) bool {
	if s.leading() {
		return true
	}
	if self, _ := s.opts.Leadership.Leader(); self {
		s.lead.holding.Add(1)
		defer s.lead.holding.Add(-1)
		t := time.NewTimer(takeoverWait)
		select {
		case <-s.lead.readyCh():
		case <-t.C:
		case <-r.Context().Done():
		}
		t.Stop()
		if s.leading() {
			return true
		}
	}
	s.refuseNotLeader(w)
	return false
}

// refuseNotLeader answers 503 with the leader's URL in api.LeaderHeader and
// a one-line error naming it.
//
// A server elected but still taking over names itself: a drone that
// follows stays and retries here, rather than looking elsewhere.
func (s *Server) refuseNotLeader(w http.ResponseWriter) {
	url := s.leader()
	msg := "this orchestrator does not lead the farm: " + orNoLeader(url)
	if url == s.url {
		msg = "this orchestrator is taking over as the farm's leader; try again in a moment"
	}
	w.Header().Set(api.LeaderHeader, url)
	w.Header().Set("Retry-After", "1")
	writeError(w, http.StatusServiceUnavailable, api.CodeNotLeader, msg)
}

// orNoLeader names the leader, or says there is none yet.
func orNoLeader(url string) string {
	if url == "" {
		return "no leader yet"
	}
	return "the leader is " + url
}

// role is the server's part in a cluster as api.Ready says it: "" for a
// lone server.
func (s *Server) role() (role, leader string) {
	if s.opts.Leadership == nil {
		return "", ""
	}
	if s.leading() {
		return api.RoleLeader, s.url
	}
	return api.RoleFollower, s.leader() // its own URL while taking over
}

// leaderMetrics registers what /metrics says of leadership: whether this
// server decides now, and how many maintenance sweeps it decided (a
// follower's stays still; a leader's grows twice a heartbeat).
func (s *Server) leaderMetrics() {
	s.metrics.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "swarm_leading",
			Help: "1 while this orchestrator leads the farm (dispatches, takes the drones' calls), 0 while it follows."},
			func() float64 {
				if s.leading() {
					return 1
				}
				return 0
			}),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "swarm_maintenance_sweeps_total",
			Help: "Maintenance sweeps (leases, offline drones, stalls, cooldowns) this orchestrator decided."},
			func() float64 { return float64(s.sweeps.Load()) }))
}

// MemberURLs is the Leadership of a member of a replicated log whose
// election names members (the JetStream stream's leader is a server
// name): it answers with the leader's URL as drones reach it, from urls
// by member name (config [log.jetstream] members.NAME.url). A leader
// whose name urls lacks is reported as unknown (""), so drones look for
// it among the URLs they know rather than being sent nowhere.
func MemberURLs(election Leadership, urls map[string]string) Leadership {
	return memberURLs{election, urls}
}

type memberURLs struct {
	election Leadership
	urls     map[string]string
}

func (m memberURLs) Leader() (bool, string) {
	self, name := m.election.Leader()
	return self, m.urls[name]
}

func (m memberURLs) Changed() <-chan struct{} { return m.election.Changed() }
