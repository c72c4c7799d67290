package orchestrator

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/swarm-build/swarm/api"
	"github.com/swarm-build/swarm/commands"
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
	events  *prometheus.CounterVec // type
	builds  *prometheus.CounterVec // outcome
	named   map[events.Type]prometheus.Counter
}

func newMetrics() *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	buckets := []float64{.001, .005, .01, .05, .1, .5, 1, 5, 15, 30, 60}
	m.claim = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "swarm_claim_seconds",
		Help: "How long drones' claim calls took (a claim long-polls until there is work), by outcome.", Buckets: buckets}, []string{"outcome"})
	m.report = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "swarm_report_seconds",
		Help: "How long drones' complete, fail and return calls took, by verb.", Buckets: buckets}, []string{"verb"})
	m.appends = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "swarm_event_log_append_seconds",
		Help:    "How long the server's decisions took to be durable in the event log (decide, append, fsync).",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1}})
	m.events = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "swarm_events_total",
		Help: "Events appended to the log since this server started, by type."}, []string{"type"})
	m.builds = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "swarm_builds_total",
		Help: "Builds ended since this server started, by outcome (completed, failed, returned, reclaimed)."}, []string{"outcome"})
	m.named = map[events.Type]prometheus.Counter{}
	for typ, name := range map[events.Type]string{
		events.TypeReclaimed: "swarm_reclaims_total", events.TypeGrounded: "swarm_groundings_total",
		events.TypeQueuePaused: "swarm_pauses_total", events.TypeRejected: "swarm_rejected_uploads_total",
	} {
		c := prometheus.NewCounter(prometheus.CounterOpts{Name: name,
			Help: "Events of type " + typ.String() + " since this server started."})
		m.named[typ] = c
		m.reg.MustRegister(c)
	}
	for _, o := range []string{"completed", "failed", "returned", "reclaimed"} {
		m.builds.WithLabelValues(o)
	}
	for _, o := range []string{"granted", "none"} {
		m.claim.WithLabelValues(o)
	}
	m.reg.MustRegister(m.claim, m.report, m.appends, m.events, m.builds)
	return m
}

// observe counts e; the stream's hub calls it for every event it reads, so
// appends by CLI verbs beside the server count too.
func (m *metrics) observe(e *events.Event) {
	m.events.WithLabelValues(e.Type.String()).Inc()
	switch e.Type {
	case events.TypeCompleted, events.TypeFailed, events.TypeReturned, events.TypeReclaimed:
		m.builds.WithLabelValues(e.Type.String()).Inc()
	}
	if c, ok := m.named[e.Type]; ok {
		c.Inc()
	}
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
)

func (c stateCollector) Describe(ch chan<- *prometheus.Desc) { prometheus.DescribeByCollect(c, ch) }

func (c stateCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	now := time.Now()
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
	})
	if err != nil {
		c.s.log.Warn("metrics: read the state", "err", err)
		return
	}
	if size, err := c.s.store.Log().Size(); err == nil {
		gauge(descLogBytes, float64(size))
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
