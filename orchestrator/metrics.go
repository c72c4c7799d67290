package orchestrator

import (
	"context"
	"maps"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/swarm-build/swarm/api"
	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/eventlog"
	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/projections"
)

// metrics is what GET /metrics reports that the state does not hold: the
// latencies this server measured and the events it saw since it started
// (Prometheus counters start at zero with the process; rate() knows that).
// The farm's figures (queue, drones, binhost) are read from the state at
// each scrape by stateCollector, judged as status judges them.
type metrics struct {
	reg     *prometheus.Registry
	claim   *prometheus.HistogramVec // outcome: granted, none
	report  *prometheus.HistogramVec // verb: complete, fail, return
	appends prometheus.Histogram

	mu     sync.Mutex
	counts map[events.Type]uint64 // events the store took in, by type
}

func newMetrics() *metrics {
	m := &metrics{reg: prometheus.NewRegistry(), counts: map[events.Type]uint64{}}
	buckets := []float64{.001, .005, .01, .05, .1, .5, 1, 5, 15, 30, 60}
	m.claim = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "swarm_claim_seconds",
		Help: "How long drones' claim calls took (a claim long-polls until there is work), by outcome.", Buckets: buckets}, []string{"outcome"})
	m.report = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "swarm_report_seconds",
		Help: "How long drones' complete, fail and return calls took, by verb.", Buckets: buckets}, []string{"verb"})
	m.appends = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "swarm_event_log_append_seconds",
		Help:    "How long the server's decisions took to be durable in the event log (decide, append, fsync).",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1}})
	for _, o := range []string{"granted", "none"} {
		m.claim.WithLabelValues(o)
	}
	m.reg.MustRegister(m.claim, m.report, m.appends)
	return m
}

// observe counts e. The store calls it for every event its State takes
// in (commands.Store.Observe): the server's own appends and, when it
// catches up with them, those of CLI verbs beside the server.
func (m *metrics) observe(e *events.Event) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.counts[e.Type]++
}

// countsNow copies the event counts.
func (m *metrics) countsNow() map[events.Type]uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return maps.Clone(m.counts)
}

// timed wraps a drone verb's handler to observe how long it took.
func (m *metrics) timed(verb string, h func(context.Context, string, *http.Request) (any, error)) func(context.Context, string, *http.Request) (any, error) {
	return func(ctx context.Context, id string, r *http.Request) (any, error) {
		start := time.Now()
		out, err := h(ctx, id, r)
		took := time.Since(start).Seconds()
		switch verb {
		case api.VerbClaim:
			outcome := "none"
			if c, ok := out.(api.ClaimResponse); ok && c.Claim != nil {
				outcome = "granted"
			}
			m.claim.WithLabelValues(outcome).Observe(took)
		case api.VerbComplete, api.VerbFail, api.VerbReturn:
			m.report.WithLabelValues(verb).Observe(took)
		}
		return out, err
	}
}

// stateCollector reads the farm's figures from the state at each scrape.
type stateCollector struct{ s *Server }

var (
	descQueue       = prometheus.NewDesc("swarm_queue_packages", "Packages in the queue, by state (as swarm status counts them).", []string{"state"}, nil)
	descDrones      = prometheus.NewDesc("swarm_drones", "Drones by status (as swarm drones shows them).", []string{"status"}, nil)
	descOnline      = prometheus.NewDesc("swarm_drones_online", "Drones online (status drones.online).", nil, nil)
	descGrounded    = prometheus.NewDesc("swarm_drones_grounded", "Drones grounded (status drones.grounded).", nil, nil)
	descRate        = prometheus.NewDesc("swarm_builds_per_hour", "Builds completed in the hour before the last event (status rate_per_hour).", nil, nil)
	descBinary      = prometheus.NewDesc("swarm_binary_packages", "Packages of the plan with a promoted build (status binary), available and total.", []string{"kind"}, nil)
	descBinhost     = prometheus.NewDesc("swarm_binhost_builds", "Builds the binhost index lists.", nil, nil)
	descBinhostSize = prometheus.NewDesc("swarm_binhost_bytes", "Bytes of the builds the binhost index lists.", nil, nil)
	descPaused      = prometheus.NewDesc("swarm_paused", "1 while dispatching is paused.", nil, nil)
	descUnpromoted  = prometheus.NewDesc("swarm_unpromoted_packages", "Built packages with no promoted build in the index.", nil, nil)
	descUnpromAge   = prometheus.NewDesc("swarm_unpromoted_oldest_seconds", "How long ago the oldest built package without a promoted build was built.", nil, nil)
	descSeq         = prometheus.NewDesc("swarm_event_log_seq", "The last event's sequence number.", nil, nil)
	descLogBytes    = prometheus.NewDesc("swarm_event_log_bytes", "Bytes the event log's segments take on disk.", nil, nil)
	descEvents      = prometheus.NewDesc("swarm_events_total", "Events appended to the log since this server started, by type.", []string{"type"}, nil)
	descBuilds      = prometheus.NewDesc("swarm_builds_total", "Builds ended since this server started, by outcome (completed, failed, returned, reclaimed).", []string{"outcome"}, nil)
	// namedCounts are the events an operator alerts on, each its own
	// counter since this server started.
	namedCounts = []struct {
		typ  events.Type
		desc *prometheus.Desc
	}{
		{events.TypeReclaimed, prometheus.NewDesc("swarm_reclaims_total", "Packages taken back from drones (lease expired, drone offline) since this server started.", nil, nil)},
		{events.TypeGrounded, prometheus.NewDesc("swarm_groundings_total", "Drones grounded since this server started.", nil, nil)},
		{events.TypeQueuePaused, prometheus.NewDesc("swarm_pauses_total", "Times dispatching was paused since this server started.", nil, nil)},
		{events.TypeRejected, prometheus.NewDesc("swarm_rejected_uploads_total", "Uploads that failed verification since this server started.", nil, nil)},
	}
)

// Describe lists the metrics without reading the state: registering the
// collector (in New) must not wait for the store before the server runs.
func (c stateCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descQueue, descDrones, descOnline, descGrounded, descRate,
		descBinary, descBinhost, descBinhostSize, descPaused, descUnpromoted, descUnpromAge, descSeq,
		descLogBytes, descEvents, descBuilds} {
		ch <- d
	}
	for _, n := range namedCounts {
		ch <- n.desc
	}
}

func (c stateCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	now := time.Now()
	var counts map[events.Type]uint64
	err := c.s.store.Read(ctx, func(st *projections.State) {
		s := st.Status()
		q := s.Queue
		for state, n := range map[projections.PackageState]int{projections.Needed: q.Needed,
			projections.Building: q.Building, projections.Built: q.Built, projections.Failed: q.Failed,
			projections.Excluded: q.Excluded, projections.Blocked: q.Blocked} {
			gauge(descQueue, float64(n), string(state))
		}
		byStatus := map[projections.DroneStatus]int{projections.DroneIdle: 0, projections.DroneBuilding: 0,
			projections.DroneGrounded: 0, projections.DroneOffline: 0}
		for _, d := range st.DroneList() {
			byStatus[d.Status]++
		}
		for status, n := range byStatus {
			gauge(descDrones, float64(n), string(status))
		}
		gauge(descOnline, float64(s.Drones.Online))
		gauge(descGrounded, float64(s.Drones.Grounded))
		gauge(descRate, s.RatePerHour)
		gauge(descBinary, float64(s.Binary.Available), "available")
		gauge(descBinary, float64(s.Binary.Total), "total")
		gauge(descBinhost, float64(s.Binhost.Builds))
		gauge(descBinhostSize, float64(s.Binhost.Bytes))
		gauge(descPaused, boolGauge(s.Paused != nil))
		n, oldest := commands.UnpromotedAge(st, now)
		gauge(descUnpromoted, float64(n))
		gauge(descUnpromAge, oldest.Seconds())
		gauge(descSeq, float64(s.Seq))
		counts = c.s.metrics.countsNow() // of the events in st: they agree
	})
	if err != nil {
		c.s.log.Warn("metrics: read the state", "err", err)
		return
	}
	c.counters(ch, counts)
	if sz, ok := c.s.store.Log().(eventlog.Sizer); ok {
		if size, err := sz.Size(); err == nil {
			gauge(descLogBytes, float64(size))
		}
	}
}

func boolGauge(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// appended observes an execute that appended n events, begun at start.
func (m *metrics) appended(n int, start time.Time) {
	if n > 0 {
		m.appends.Observe(time.Since(start).Seconds())
	}
}

// counters reports the event counts, taken under the store's lock with
// the figures read from the State, so one scrape's counts and figures
// agree.
func (c stateCollector) counters(ch chan<- prometheus.Metric, counts map[events.Type]uint64) {
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	for t, n := range counts {
		counter(descEvents, n, t.String())
	}
	for _, t := range []events.Type{events.TypeCompleted, events.TypeFailed, events.TypeReturned, events.TypeReclaimed} {
		counter(descBuilds, counts[t], t.String())
	}
	for _, n := range namedCounts {
		counter(n.desc, counts[n.typ])
	}
}
