package drone

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/config"
	"github.com/swarm-build/swarm/projections"
)

// BenchmarkFailoverResume measures how soon work is handed out again after
// the leadership moves between two real orchestrators, with a real drone
// at its default timings (claim long poll 5s, retry from 500ms) that
// knows both. The election itself is not in it (the test moves the
// leadership at once): this is what the orchestrators and the drone add.
//
// Each round runs two probes, their order swapped every round:
// steady, a package enqueued (as the CLI does, beside the server) until
// the leader hands it to the drone; failover, the leadership moved and a
// package enqueued at once, until the new leader hands it out. Reported:
// the medians of each and of the per-round ratio failover/steady.
//
//	go test -run XXX -bench FailoverResume -benchtime 1x ./drone
func BenchmarkFailoverResume(b *testing.B) {
	const rounds = 21
	cfg := config.Default()
	cfg.Farm.Heartbeat.Duration, cfg.Farm.Lease.Duration = time.Second, 4*time.Second
	cfg.Server.MaintenanceEvery.Duration = 250 * time.Millisecond
	cfg.Build.Command = []string{"true", "{atom}"}
	cfg.Drones["d1"] = config.DroneConfig{TokenSHA256: config.TokenHash("tok")}
	for b.Loop() {
		e, ms := startCluster(b, cfg, 2, 0)
		a, err := New(Config{Orchestrator: strings.Join(e.urls, ","), ID: "d1", Token: "tok", Cores: 2, Slots: 1,
			LogDir: b.TempDir(), Version: "test"}, nil,
			WithSampler(&fixedSampler{s: Sample{CPUPercent: 10, MemoryPercent: 20, DiskPercent: 30}}))
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- a.Run(ctx) }()
		n, leader := 0, 0
		handOut := func(move bool) time.Duration {
			n++
			atom := fmt.Sprintf("dev-libs/bench-%d", n)
			start := time.Now()
			if move {
				leader = 1 - leader
				e.lead(leader)
			}
			if _, err := ms[leader].store.Execute(ctx, commands.Enqueue(commands.ActorOperator, []string{atom})); err != nil {
				b.Fatal(err)
			}
			eventually(b, atom+" handed out", func() bool {
				time.Sleep(2 * time.Millisecond)
				return packageState(b, ms[0].store, atom).State != projections.Needed
			})
			return time.Since(start)
		}
		handOut(false) // the drone registered and is asking
		var steady, failover, ratio []float64
		for r := range rounds {
			var s, f time.Duration
			if r%2 == 0 {
				s, f = handOut(false), handOut(true)
			} else {
				f, s = handOut(true), handOut(false)
			}
			steady, failover = append(steady, ms2(s)), append(failover, ms2(f))
			ratio = append(ratio, float64(f)/float64(s))
		}
		cancel()
		<-done
		b.ReportMetric(median(steady), "steady_ms")
		b.ReportMetric(median(failover), "failover_ms")
		b.ReportMetric(slices.Max(failover), "failover_max_ms")
		b.ReportMetric(median(ratio), "failover/steady")
		b.Logf("steady ms %v; failover ms %v; ratios %.2f–%.2f", steady, failover, slices.Min(ratio), slices.Max(ratio))
	}
}

func ms2(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func median(xs []float64) float64 {
	s := slices.Sorted(slices.Values(xs))
	return s[len(s)/2]
}
