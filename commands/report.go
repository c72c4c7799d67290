package commands

import (
	"fmt"
	"time"

	"github.com/swarm-build/swarm/buildlog"
	"github.com/swarm-build/swarm/config"
	"github.com/swarm-build/swarm/eventlog/jetstream"
	"github.com/swarm-build/swarm/projections"
)

// Report is the farm's status as every view shows it: `swarm status
// --json`, the server's /v1/status, the dashboard and the monitor. The
// projection's summary is taken at the last event; the judgments that
// depend on the clock or on config.toml are made here, once, at now.
type Report struct {
	projections.Status
	BuildLogs *buildlog.Usage  `json:"build_logs,omitempty"` // filled by the caller that can count them
	Server    *ServerCondition `json:"server,omitempty"`     // filled by the caller that knows the server
	Drifting  []DroneDrift     `json:"drifting,omitempty"`
	// StaleReleases are the drones whose release keeps them from work.
	StaleReleases []DroneStale    `json:"stale_releases,omitempty"`
	ETA           *ETA            `json:"eta,omitempty"`
	Failed        []FailedPackage `json:"failed_packages,omitempty"`
}

// ServerCondition is the orchestrator running on the state folder, as
// status shows it.
type ServerCondition struct {
	URL     string `json:"url"`
	PID     int    `json:"pid"`
	OK      bool   `json:"ok"`              // it acknowledges (health answered 200)
	Error   string `json:"error,omitempty"` // why not: it cannot write the event log
	Version string `json:"version,omitempty"`
	// Role is "leader" or "follower" when it is one of several
	// orchestrators on a replicated log ("" for a lone one), and Leader
	// the leader's URL as it knows it ("" while none is known).
	Role   string `json:"role,omitempty"`
	Leader string `json:"leader,omitempty"`
	// Cluster is the replicated log's members as its leader reports them
	// (nil for a lone orchestrator); ClusterError says why this member
	// could only say what it knows alone (no quorum, no leader yet).
	Cluster      *jetstream.ClusterInfo `json:"cluster,omitempty"`
	ClusterError string                 `json:"cluster_error,omitempty"`
}

// StatusReport judges st at now by the rules r (RulesFrom(cfg) with the
// orchestrator's release) and cfg: the queue's staleness, an overdue
// scheduled fresh, packages built but not promoted, the build rate over
// the hour ending now, drifting drones and drones on a stale release, the
// ETA and the failed packages.
func StatusReport(st *projections.State, r Rules, cfg config.Config, now time.Time) Report {
	return statusReport(st, r, cfg, now, EstimateETA)
}

// StatusReport is the package-level StatusReport with the ETA reused for
// ETAReuse (see ETAMemo).
func (m *ETAMemo) StatusReport(st *projections.State, r Rules, cfg config.Config, now time.Time) Report {
	return m.BeginReport(st, r, cfg, now).Finish()
}

// PendingReport is a StatusReport read from a State and not yet finished:
// Finish needs no State, so a server calls BeginReport under the store's
// lock and Finish after it.
type PendingReport struct {
	rep        Report
	memo       *ETAMemo
	work       *etaWork // a new estimate to make; nil when the memo's is reused
	background bool     // work is made after Finish returns, for the next reports
}

// BeginReport is the part of m.StatusReport that reads st: all of it but
// a new estimate's sort, estimates and bound, which Finish makes (about
// half of an estimate on a 100,000-package queue). Once an estimate has
// been made, a report never waits for the next: the one kept (made less
// than ETAReuse, plus one estimate's time, before now) is reported while
// the next is made in the background. Its At and Seconds say when it was
// made for.
func (m *ETAMemo) BeginReport(st *projections.State, r Rules, cfg config.Config, now time.Time) *PendingReport {
	p := &PendingReport{rep: report(st, r, cfg, now), memo: m}
	e, ok, w, background := m.refresh(st, now)
	p.work, p.background = w, background
	if ok {
		p.rep.ETA = &e
	}
	return p
}

// Finish returns the report, with the estimate made if the report waits
// for one (the memo's first), or starts making it for the next reports.
func (p *PendingReport) Finish() Report {
	switch {
	case p.work != nil && p.background:
		go p.memo.finish(p.work)
	case p.work != nil:
		if e, ok := p.memo.finish(p.work); ok {
			p.rep.ETA = &e
		}
	}
	p.work = nil
	return p.rep
}

func statusReport(st *projections.State, r Rules, cfg config.Config, now time.Time,
	eta func(*projections.State, time.Time) (ETA, bool)) Report {
	rep := report(st, r, cfg, now)
	if e, ok := eta(st, now); ok {
		rep.ETA = &e
	}
	return rep
}

// report is StatusReport without the ETA.
func report(st *projections.State, r Rules, cfg config.Config, now time.Time) Report {
	s := st.Status()
	s.QueueStale = QueueStale(cfg.Farm.StaleAfter.Duration, s.Sync, now)
	s.FreshOverdue = FreshOverdue(cfg.Farm.FreshEvery.Duration, st.Sync.Time, st.Fresh, now)
	s.Unpromoted = Unpromoted(st, now)
	s.RatePerHour = RatePerHour(st, now)
	return Report{Status: s, Drifting: Drifting(r, st), StaleReleases: StaleReleases(r, st), Failed: FailedPackages(st)}
}

// QueueStale says whether the queue's tree is older than limit
// (farm.stale_after) at now; "" when it is not, or no sync ran.
func QueueStale(limit time.Duration, sync projections.SyncStatus, now time.Time) string {
	if sync.Time == nil || limit <= 0 {
		return ""
	}
	if age := now.Sub(*sync.Time); age > limit {
		tree := sync.Tree
		if tree == "" {
			tree = "-"
		}
		return fmt.Sprintf("the queue was computed %s ago against tree %s, more than farm.stale_after (%s): run 'swarm fresh'",
			age.Round(time.Minute), tree, config.Duration{Duration: limit})
	}
	return ""
}

// FreshOverdue says whether a scheduled fresh (farm.fresh_every) did not
// happen on time, or one started and never completed: a silent missed run
// is the failure the schedule exists to prevent. every is
// farm.fresh_every, last the last completed fresh (zero: never), running a
// fresh started and not completed (nil: none).
func FreshOverdue(every time.Duration, last time.Time, running *projections.FreshRun, now time.Time) string {
	if running != nil && now.Sub(running.Since) > time.Hour {
		return fmt.Sprintf("a fresh started %s and never completed; see 'swarm serve' logs or run 'swarm fresh'",
			running.Since.UTC().Format("2006-01-02 15:04"))
	}
	if every <= 0 {
		return ""
	}
	e := config.Duration{Duration: every}
	if last.IsZero() {
		return fmt.Sprintf("farm.fresh_every is %s but no fresh has ever completed; is 'swarm serve' running?", e)
	}
	// Allow a tenth of the period (at least 10 minutes) for the run itself.
	grace := max(every/10, 10*time.Minute)
	if late := now.Sub(last) - every; late > grace {
		return fmt.Sprintf("the scheduled fresh is %s overdue (every %s, last %s); see 'swarm serve' logs",
			late.Round(time.Minute), e, last.UTC().Format("2006-01-02 15:04"))
	}
	return ""
}
