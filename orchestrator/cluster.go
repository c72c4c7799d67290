package orchestrator

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/swarm-build/swarm/eventlog/jetstream"
)

// clusterer is a replicated log that can say how its members stand: the
// JetStream backend in a cluster. The server finds it on its store's log.
type clusterer interface {
	Cluster(ctx context.Context) (jetstream.ClusterInfo, error)
}

// clusterWait bounds how long a status or a scrape waits for the stream's
// leader to describe the cluster: a member cut off from it answers with
// what it knows alone rather than hanging the view.
const clusterWait = 2 * time.Second

// cluster describes the members of the replicated log this server is one
// of, or nil when its log is not replicated. Without a reachable leader it
// is what this member knows alone, with the reason.
func (s *Server) cluster(ctx context.Context) (*jetstream.ClusterInfo, string) {
	c, ok := s.store.Log().(clusterer)
	if !ok || s.opts.Leadership == nil {
		return nil, ""
	}
	ctx, cancel := context.WithTimeout(ctx, clusterWait)
	defer cancel()
	ci, err := c.Cluster(ctx)
	if err != nil {
		return &ci, err.Error()
	}
	return &ci, ""
}

// clusterMetrics registers what /metrics says of the cluster, asked of the
// stream's leader at each scrape: every member's lag, whether it is
// current, and which one leads.
func (s *Server) clusterMetrics() {
	if _, ok := s.store.Log().(clusterer); !ok || s.opts.Leadership == nil {
		return
	}
	s.metrics.reg.MustRegister(clusterCollector{s})
}

type clusterCollector struct{ s *Server }

var (
	clusterLagDesc = prometheus.NewDesc("swarm_cluster_member_lag",
		"How many log entries each member of the replicated log is behind its leader.", []string{"member"}, nil)
	clusterCurrentDesc = prometheus.NewDesc("swarm_cluster_member_current",
		"1 for a member caught up with the log's leader, 0 for one behind or offline.", []string{"member"}, nil)
	clusterLeaderDesc = prometheus.NewDesc("swarm_cluster_leader",
		"1 for the member that leads the replicated log (0 for the others).", []string{"member"}, nil)
	clusterQuorumDesc = prometheus.NewDesc("swarm_cluster_quorum",
		"1 while this member reaches the log's leader (writes can be acknowledged), 0 without.", nil, nil)
)

func (clusterCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- clusterLagDesc
	ch <- clusterCurrentDesc
	ch <- clusterLeaderDesc
	ch <- clusterQuorumDesc
}

func (c clusterCollector) Collect(ch chan<- prometheus.Metric) {
	ci, problem := c.s.cluster(context.Background())
	if ci == nil {
		return
	}
	ch <- prometheus.MustNewConstMetric(clusterQuorumDesc, prometheus.GaugeValue, flag(problem == ""))
	for _, m := range ci.Members {
		ch <- prometheus.MustNewConstMetric(clusterLagDesc, prometheus.GaugeValue, float64(m.Lag), m.Name)
		ch <- prometheus.MustNewConstMetric(clusterCurrentDesc, prometheus.GaugeValue, flag(m.Current && !m.Offline), m.Name)
		ch <- prometheus.MustNewConstMetric(clusterLeaderDesc, prometheus.GaugeValue, flag(m.Leader), m.Name)
	}
}

func flag(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
