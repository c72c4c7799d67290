package orchestrator

import (
	"context"
	"net/http"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/swarm-build/swarm/api"
	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/projections"
)

// scrape reads /metrics with the Prometheus text parser.
func scrape(t *testing.T, base string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(base + MetricsPath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

// value is the value of family name's metric with the label pairs given.
func value(t *testing.T, fams map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	t.Helper()
	f, ok := fams[name]
	if !ok {
		t.Fatalf("no metric %s", name)
	}
next:
	for _, m := range f.GetMetric() {
		for i := 0; i+1 < len(labels); i += 2 {
			found := false
			for _, l := range m.GetLabel() {
				found = found || (l.GetName() == labels[i] && l.GetValue() == labels[i+1])
			}
			if !found {
				continue next
			}
		}
		switch {
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	t.Fatalf("no metric %s%v", name, labels)
	return 0
}

// After a claim and a completion the figures are the state's and the
// latencies and build outcomes were observed.
func TestMetricsFigures(t *testing.T) {
	ctx := context.Background()
	ts := startServer(t, nil, "a")
	a := ts.client("a")
	register(t, a, 1)
	ts.enqueue("dev-libs/icu-60.2", "sys-devel/llvm-19.1.7")
	r, err := a.Claim(ctx, 0)
	if err != nil || r.Claim == nil {
		t.Fatalf("claim: %+v %v", r, err)
	}
	if _, err := a.Complete(ctx, api.CompleteRequest{Atom: r.Claim.Atom, Fence: r.Claim.Fence}); err != nil {
		t.Fatal(err)
	}
	// A CLI verb beside the server appends to the same log: the scrape
	// counts its event too, at once (the counts are taken with the figures,
	// from the events the store took in).
	cli, err := commands.OpenStore(ts.dir, commands.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cli.Execute(ctx, commands.Enqueue(commands.ActorOperator, []string{"dev-libs/beside-1"})); err != nil {
		t.Fatal(err)
	}
	cli.Close()
	fams := scrape(t, ts.url)
	seq := ts.seq()
	var st projections.Status
	ts.store.Read(ctx, func(s *projections.State) { st = s.Status() })
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"swarm_queue_packages", []string{"state", "needed"}, float64(st.Queue.Needed)},
		{"swarm_queue_packages", []string{"state", "built"}, float64(st.Queue.Built)},
		{"swarm_drones_online", nil, float64(st.Drones.Online)},
		{"swarm_drones", []string{"status", "idle"}, 1},
		{"swarm_event_log_seq", nil, float64(seq)},
		{"swarm_builds_total", []string{"outcome", "completed"}, 1},
		{"swarm_events_total", []string{"type", "enqueued"}, 3}, // two by the server, one beside it
		{"swarm_events_total", []string{"type", "claimed"}, 1},
		{"swarm_claim_seconds", []string{"outcome", "granted"}, 1},
		{"swarm_report_seconds", []string{"verb", "complete"}, 1},
		{"swarm_unpromoted_packages", nil, 1}, // built, and no upload promoted
		{"swarm_paused", nil, 0},
	} {
		if got := value(t, fams, c.name, c.labels...); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if value(t, fams, "swarm_event_log_bytes") <= 0 || value(t, fams, "swarm_event_log_append_seconds") < 3 {
		t.Errorf("log size %v, appends observed %v", value(t, fams, "swarm_event_log_bytes"), value(t, fams, "swarm_event_log_append_seconds"))
	}
}
