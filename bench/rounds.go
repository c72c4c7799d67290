package bench

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"time"
)

// sample is one side's figure in one round: v is the headline (events/s or
// ms), p99 a latency in ms where the probe has one; n events took cpu of the
// process's CPU time (0: not measured).
type sample struct {
	v   float64
	p99 float64
	p50 float64 // a latency's median in ms, where the probe has one
	n   int
	cpu time.Duration
}

// clock measures one side of a round in wall-clock and CPU time.
type clock struct {
	wall time.Time
	cpu  time.Duration
}

func startClock() clock { return clock{wall: time.Now(), cpu: cpuTime()} }

// rate is the sample of n events since c started.
func (c clock) rate(n int) sample {
	return sample{v: rate(n, time.Since(c.wall)), n: n, cpu: cpuTime() - c.cpu}
}

// timed calls fn(i) for i = 0, 1 … until it has made max calls or slice has
// passed (after at least minCalls), and returns how many calls it made.
func timed(slice time.Duration, max int, fn func(i int) error) (int, error) {
	const minCalls = 3
	t0 := time.Now()
	n := 0
	for ; n < max && (n < minCalls || time.Since(t0) < slice); n++ {
		if err := fn(n); err != nil {
			return n, err
		}
	}
	return n, nil
}

// pair is one interleaved round.
type pair struct{ raw, swarm sample }

// measure runs one side of a round and returns its sample.
type measure func(ctx context.Context) (sample, error)

// interleave runs rounds of raw then swarm, logging each round.
func (r *runner) interleave(ctx context.Context, name string, rounds int, raw, swarm measure) ([]pair, error) {
	out := make([]pair, 0, rounds)
	for i := 0; i < rounds; i++ {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		runtime.GC() // neither side pays for the other's garbage
		rs, err := raw(ctx)
		if err != nil {
			return out, fmt.Errorf("raw, round %d: %w", i+1, err)
		}
		runtime.GC()
		ss, err := swarm(ctx)
		if err != nil {
			return out, fmt.Errorf("swarm, round %d: %w", i+1, err)
		}
		r.log.Debug("bench round", "probe", name, "round", i+1, "raw", rs.v, "swarm", ss.v,
			"raw_p99", rs.p99, "swarm_p99", ss.p99)
		out = append(out, pair{raw: rs, swarm: ss})
	}
	return out, nil
}

// summarize makes a Result of rounds: medians of each side and of the
// per-round ratios; pick chooses the figure (headline or p99).
func summarize(name, unit string, rounds []pair, pick func(sample) float64, g goal) Result {
	var raws, swarms, ratios, cpus []float64
	for _, p := range rounds {
		raw, sw := pick(p.raw), pick(p.swarm)
		raws, swarms = append(raws, raw), append(swarms, sw)
		if raw > 0 {
			ratios = append(ratios, sw/raw)
		}
		if r := cpuRatio(p); r > 0 {
			cpus = append(cpus, r)
		}
	}
	res := Result{Name: name, Unit: unit, RawUnit: unit, Value: median(swarms), Raw: median(raws),
		Ratio: median(ratios), Rounds: len(rounds)}
	if len(ratios) > 0 {
		res.Detail = fmt.Sprintf("ratio %.2f–%.2f over %d rounds", slices.Min(ratios), slices.Max(ratios), len(rounds))
	}
	if len(cpus) > 0 && unit == unitRate {
		res.CPURatio = median(cpus)
		res.Detail += fmt.Sprintf("; per CPU-second %.2fx raw", res.CPURatio)
	}
	return g.judge(res)
}

// cpuRatio is swarm's events per CPU-second over raw's in one round (0 when
// not measured).
func cpuRatio(p pair) float64 {
	if p.raw.cpu <= 0 || p.swarm.cpu <= 0 || p.raw.n == 0 || p.swarm.n == 0 {
		return 0
	}
	rawPer := float64(p.raw.cpu) / float64(p.raw.n)
	swarmPer := float64(p.swarm.cpu) / float64(p.swarm.n)
	return rawPer / swarmPer
}

func headline(s sample) float64 { return s.v }
func p99(s sample) float64      { return s.p99 }
func p50(s sample) float64      { return s.p50 }

// median of xs; 0 for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// percentile returns the q-quantile (0..1) of ds, in ms, sorting ds.
func percentile(ds []time.Duration, q float64) float64 {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	i := int(math.Ceil(q*float64(len(ds)))) - 1
	return ms(ds[max(i, 0)])
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// rate is events per second.
func rate(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

// goal says what a Result must reach.
type goal struct {
	text string
	ok   func(Result) bool // nil: report only, always passes
}

var report = goal{text: "report"}

func ratioAtLeast(x float64) goal {
	return goal{fmt.Sprintf(">= %gx raw", x), func(r Result) bool { return r.Ratio >= x }}
}

func valueAtLeast(x float64, unit string) goal {
	return goal{fmt.Sprintf(">= %g %s", x, unit), func(r Result) bool { return r.Value >= x }}
}

func ratioAtMost(x float64) goal {
	return goal{fmt.Sprintf("<= %gx raw", x), func(r Result) bool { return r.Ratio <= x }}
}

// all is every goal at once.
func all(gs ...goal) goal {
	var text []string
	for _, g := range gs {
		text = append(text, g.text)
	}
	return goal{strings.Join(text, " and "), func(r Result) bool {
		for _, g := range gs {
			if g.ok != nil && !g.ok(r) {
				return false
			}
		}
		return true
	}}
}

func valueAtMost(x float64, unit string) goal {
	return goal{fmt.Sprintf("<= %g %s", x, unit), func(r Result) bool { return r.Value <= x }}
}

// judge fills in Goal and Pass.
func (g goal) judge(r Result) Result {
	r.Goal = g.text
	r.Pass = g.ok == nil || g.ok(r)
	return r
}
