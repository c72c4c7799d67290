package e2e

import (
	"fmt"
	"net/http"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// metricStatus is the part of `swarm status --json` /metrics reports.
type metricStatus struct {
	Seq   uint64         `json:"seq"`
	Queue map[string]int `json:"queue"`
	Drone struct {
		Online   int `json:"online"`
		Total    int `json:"total"`
		Grounded int `json:"grounded"`
	} `json:"drones"`
	Binary struct {
		Available, Total float64
	} `json:"binary"`
	Binhost struct {
		Builds int     `json:"builds"`
		Bytes  float64 `json:"bytes"`
	} `json:"binhost"`
	Paused *struct{} `json:"paused"`
}

// scrapeMetrics reads the server's /metrics with the Prometheus text
// parser into name{label="value"} → value.
func (f *farm) scrapeMetrics() map[string]float64 {
	f.t.Helper()
	resp, err := http.Get(f.url + "/metrics")
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		f.t.Fatalf("parse /metrics: %v", err)
	}
	out := map[string]float64{}
	for name, fam := range fams {
		for _, m := range fam.GetMetric() {
			key := name
			for _, l := range m.GetLabel() {
				key += fmt.Sprintf("{%s=%q}", l.GetName(), l.GetValue())
			}
			out[key] = metricValue(m)
		}
	}
	return out
}

func metricValue(m *dto.Metric) float64 {
	switch {
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Histogram != nil:
		return float64(m.Histogram.GetSampleCount())
	}
	return -1
}

// /metrics, read with Prometheus's own parser, says what `swarm status
// --json` says of the same moment (the log's seq the same on both sides).
func TestMetricsMatchStatus(t *testing.T) {
	f := newFarm(t)
	f.addDrone("alpha")
	f.addDrone("bravo")
	f.serve()
	f.startDrone("alpha", droneOpts{})
	f.startDrone("bravo", droneOpts{})
	f.enqueue(realAtoms(t, 0, 4)...)
	f.waitSettled(startTimeout)
	f.swarm("ground", "bravo", "--for", "1h")
	f.swarm("pause", "--reason", "metrics drill")
	f.enqueue(realAtoms(t, 4, 2)...)

	var s metricStatus
	var m map[string]float64
	f.waitFor(startTimeout, "/metrics and status at the same seq", func() (bool, string) {
		var before metricStatus
		f.swarmJSON(&before, "status")
		m = f.scrapeMetrics()
		f.swarmJSON(&s, "status")
		return s.Seq == before.Seq && m["swarm_event_log_seq"] == float64(s.Seq),
			fmt.Sprintf("status seq %d then %d, metrics %v", before.Seq, s.Seq, m["swarm_event_log_seq"])
	})
	want := map[string]float64{
		`swarm_drones_online`:                     float64(s.Drone.Online),
		`swarm_drones_grounded`:                   float64(s.Drone.Grounded),
		`swarm_drones{status="grounded"}`:         float64(s.Drone.Grounded),
		`swarm_binary_packages{kind="available"}`: s.Binary.Available,
		`swarm_binary_packages{kind="total"}`:     s.Binary.Total,
		`swarm_binhost_builds`:                    float64(s.Binhost.Builds),
		`swarm_binhost_bytes`:                     s.Binhost.Bytes,
		`swarm_paused`:                            1,
		`swarm_pauses_total`:                      1,
		`swarm_groundings_total`:                  1,
		`swarm_builds_total{outcome="completed"}`: 4,
		`swarm_claim_seconds{outcome="granted"}`:  4,
		`swarm_report_seconds{verb="complete"}`:   4,
		`swarm_unpromoted_packages`:               0,
		`swarm_queue_packages{state="needed"}`:    float64(s.Queue["needed"]),
		`swarm_queue_packages{state="built"}`:     float64(s.Queue["built"]),
		`swarm_queue_packages{state="building"}`:  float64(s.Queue["building"]),
		`swarm_queue_packages{state="failed"}`:    float64(s.Queue["failed"]),
		`swarm_queue_packages{state="excluded"}`:  float64(s.Queue["excluded"]),
		`swarm_queue_packages{state="blocked"}`:   float64(s.Queue["blocked"]),
		`swarm_rejected_uploads_total`:            0,
		`swarm_reclaims_total`:                    0,
		`swarm_events_total{type="queue_paused"}`: 1,
		`swarm_builds_total{outcome="failed"}`:    0,
		`swarm_unpromoted_oldest_seconds`:         0,
	}
	if s.Queue["needed"] != 2 || s.Queue["built"] != 4 || s.Drone.Total != 2 || s.Binhost.Builds != 4 {
		t.Fatalf("the farm is not as the test set it up: %+v", s)
	}
	drones := 0.0
	for _, st := range []string{"idle", "building", "grounded", "offline"} {
		drones += m[fmt.Sprintf("swarm_drones{status=%q}", st)]
	}
	if drones != float64(s.Drone.Total) {
		t.Errorf("swarm_drones sums to %v, status says %d drones", drones, s.Drone.Total)
	}
	for k, v := range want {
		got, ok := m[k]
		if !ok || got != v {
			t.Errorf("%s = %v (present %v), want %v (status: %+v)", k, got, ok, v, s)
		}
	}
	if m[`swarm_event_log_bytes`] <= 0 || m[`swarm_event_log_append_seconds`] == 0 {
		t.Errorf("log bytes %v, appends timed %v", m[`swarm_event_log_bytes`], m[`swarm_event_log_append_seconds`])
	}
}
