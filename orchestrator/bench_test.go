package orchestrator

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/swarm-build/swarm/api"
	"github.com/swarm-build/swarm/internal/eventmix"
)

// BenchmarkClaimsHTTP64 measures claims through the real HTTP API on
// loopback with 64 drones asking at once, each completing what it claims
// (so the log holds the full claim/complete traffic of a busy farm). It
// reports claims/s and the claim call's p50 and p99 latency.
func BenchmarkClaimsHTTP64(b *testing.B) {
	const drones = 64
	var ids []string
	for i := range drones {
		ids = append(ids, fmt.Sprintf("d%02d", i))
	}
	ts := startServer(b, nil, ids...)
	ctx := context.Background()
	clients := make([]*api.Client, drones)
	for i, id := range ids {
		clients[i] = ts.client(id)
		if _, err := clients[i].Register(ctx, api.RegisterRequest{Cores: 8, Slots: 1}); err != nil {
			b.Fatal(err)
		}
	}
	// Enough real atoms, made distinct per benchmark round.
	real := eventmix.Atoms()
	atoms := make([]string, 0, b.N+drones)
	for i := range b.N + drones {
		a := real[i%len(real)]
		if i >= len(real) { // same package, another category: still a real name
			a = fmt.Sprintf("bench-%d%s", i/len(real), a[strings.Index(a, "/"):])
		}
		atoms = append(atoms, a)
	}
	for chunk := range slices.Chunk(atoms, 5000) {
		ts.enqueue(chunk...)
	}
	var (
		left      atomic.Int64
		mu        sync.Mutex
		latencies []time.Duration
		wg        sync.WaitGroup
	)
	left.Store(int64(b.N))
	b.ResetTimer()
	start := time.Now()
	for _, c := range clients {
		wg.Go(func() {
			var mine []time.Duration
			for left.Add(-1) >= 0 {
				t0 := time.Now()
				r, err := c.Claim(ctx, time.Second)
				mine = append(mine, time.Since(t0))
				if err != nil || r.Claim == nil {
					b.Errorf("claim: %+v %v", r, err)
					return
				}
				if _, err := c.Complete(ctx, api.CompleteRequest{Atom: r.Claim.Atom, Fence: r.Claim.Fence}); err != nil {
					b.Error(err)
					return
				}
			}
			mu.Lock()
			latencies = append(latencies, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	slices.Sort(latencies)
	if len(latencies) > 0 {
		b.ReportMetric(float64(len(latencies))/elapsed.Seconds(), "claims/s")
		b.ReportMetric(float64(latencies[len(latencies)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(latencies[len(latencies)*99/100].Microseconds())/1000, "p99-ms")
	}
}

// BenchmarkDecodeBody is a drone's completion read as every drone call
// reads its body (decodeBody): the strict checks, the JSON, the request's
// own validation.
func BenchmarkDecodeBody(b *testing.B) {
	body := []byte(`{"atom":"bench-cat0/pkg123-1.4","fence":123456,"sha256":"` + strings.Repeat("ab", 32) + `","size":1024}`)
	r := httptest.NewRequest(http.MethodPost, "/v1/drones/d1/complete", nil)
	r.Header.Set("Content-Type", "application/json")
	r.ContentLength = int64(len(body))
	b.ReportAllocs()
	for b.Loop() {
		r.Body = io.NopCloser(bytes.NewReader(body))
		var req api.CompleteRequest
		if err := decodeBody(r, &req); err != nil {
			b.Fatal(err)
		}
	}
}
