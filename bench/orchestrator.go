package bench

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/config"
	"github.com/swarm-build/swarm/internal/simdrone"
	"github.com/swarm-build/swarm/orchestrator"
	"github.com/swarm-build/swarm/projections"
)

// benchServer is the real orchestrator on a loopback port, in this process,
// with drones admitted and their tokens known.
type benchServer struct {
	url    string
	store  *commands.Store
	tokens map[string]string
	stop   func() error
}

// startServer opens a store in dir and serves it with n admitted drones.
// snapshotEvery is the store's snapshot interval (0: the default).
func startServer(dir string, n, snapshotEvery int) (*benchServer, error) {
	return startServerOn(dir, n, snapshotEvery, config.LogConfig{})
}

// startServerOn is startServer with the log on backend ([log]; the zero
// value is the file log).
func startServerOn(dir string, n, snapshotEvery int, backend config.LogConfig) (*benchServer, error) {
	store, err := commands.OpenStore(dir, commands.StoreOptions{SnapshotEvery: snapshotEvery, Backend: backend, Own: true})
	if err != nil {
		return nil, err
	}
	cfg := config.Default()
	tokens := map[string]string{}
	for i := range n {
		id := droneID(i)
		tokens[id] = "bench-token-" + id
		cfg.Drones[id] = config.DroneConfig{TokenSHA256: config.TokenHash(tokens[id])}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		store.Close()
		return nil, err
	}
	srv := orchestrator.New(store, cfg, orchestrator.Options{Version: "bench",
		Logger: slog.New(slog.DiscardHandler)})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx, ln) }()
	stop := sync.OnceValue(func() error {
		cancel()
		err := <-done
		if cerr := store.Close(); err == nil {
			err = cerr
		}
		return err
	})
	return &benchServer{url: "http://" + ln.Addr().String(), store: store, tokens: tokens, stop: stop}, nil
}

func droneID(i int) string { return fmt.Sprintf("b%03d", i) }

// topUp enqueues new packages until at least n wait (outside any clock):
// a round finds a queue of a busy farm's depth, not one swollen by every
// round before it (the dispatcher's work grows with the queue). The
// garbage of the enqueue (tens of thousands of events decided, folded and
// encoded at once) is collected before it returns, as interleave does
// between the sides: the round that follows pays for its own.
func (s *benchServer) topUp(ctx context.Context, next *int, n int) error {
	var needed int
	if err := s.store.Read(ctx, func(st *projections.State) { needed = st.Count(projections.Needed) }); err != nil {
		return err
	}
	if needed >= n {
		return nil
	}
	if err := s.enqueue(ctx, next, n-needed); err != nil {
		return err
	}
	runtime.GC()
	return nil
}

// enqueue adds n new packages to the server's queue (outside any clock).
func (s *benchServer) enqueue(ctx context.Context, next *int, n int) error {
	for n > 0 {
		k := min(n, 5000)
		atoms := make([]string, k)
		for i := range atoms {
			atoms[i] = fmt.Sprintf("bench-cat%d/pkg%d-1.%d", *next/50_000, *next, *next%7)
			*next++
		}
		if _, err := s.store.Execute(ctx, commands.Enqueue(commands.ActorOperator, atoms)); err != nil {
			return err
		}
		n -= k
	}
	return nil
}

// httpClient is what the simulated drones share: a keep-alive connection
// each.
func httpClient(drones int) *http.Client {
	return &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: drones,
		MaxIdleConns: drones}}
}

// drones makes n simulated drones of s and registers them.
func (s *benchServer) drones(ctx context.Context, n int, hc *http.Client, mix simdrone.Mix) ([]*simdrone.Drone, error) {
	out := make([]*simdrone.Drone, n)
	for i := range out {
		id := droneID(i)
		out[i] = simdrone.New(s.url, id, s.tokens[id], hc, mix, uint64(i+1))
		if err := out[i].Register(ctx); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// drive runs each drone's step in its own goroutine until cap steps were
// taken in all or slice passed, and returns how many were taken and the
// wall time.
func drive(n, cap int, slice time.Duration, step func(w int) error) (int, time.Duration, error) {
	var taken atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	t0 := time.Now()
	for w := range n {
		wg.Go(func() {
			for time.Since(t0) < slice && taken.Add(1) <= int64(cap) {
				if err := step(w); err != nil {
					once.Do(func() { firstErr = err })
					return
				}
			}
		})
	}
	wg.Wait()
	return int(min(taken.Load(), int64(cap))), time.Since(t0), firstErr
}

// latencies collects the drones' latencies of verb since their mark.
type latencies struct{ marks []map[string]int }

func mark(ds []*simdrone.Drone) latencies {
	l := latencies{marks: make([]map[string]int, len(ds))}
	for i, d := range ds {
		l.marks[i] = map[string]int{}
		for v, xs := range d.Latencies {
			l.marks[i][v] = len(xs)
		}
	}
	return l
}

func (l latencies) since(ds []*simdrone.Drone, verb string) []time.Duration {
	var out []time.Duration
	for i, d := range ds {
		out = append(out, d.Latencies[verb][l.marks[i][verb]:]...)
	}
	return out
}

// scratchDir is a fresh folder for one probe.
func (r *runner) scratchDir(name string) string { return filepath.Join(r.scratch, name) }
