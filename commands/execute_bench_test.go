package commands

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
)

// BenchmarkExecuteFile measures Store.Execute on the file log: 16
// goroutines enqueueing one package each, group-committed (decide,
// Prepare, AppendIf, one fsync a batch). It is the path every farm command
// takes, so a change to how the store reaches its log shows here first.
func BenchmarkExecuteFile(b *testing.B) { benchmarkExecute(b, StoreOptions{SnapshotEvery: -1}) }

// BenchmarkExecuteJetStream is BenchmarkExecuteFile on the single-node
// JetStream log (in-process, every write synced).
func BenchmarkExecuteJetStream(b *testing.B) {
	benchmarkExecute(b, StoreOptions{SnapshotEvery: -1, Backend: jetStreamLog()})
}

func benchmarkExecute(b *testing.B, opts StoreOptions) {
	s, err := OpenStore(b.TempDir(), opts)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	var n atomic.Uint64
	b.SetParallelism(8) // 2 cores × 8: many commands share each fsync
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			atom := fmt.Sprintf("bench-cat/pkg%d-1", n.Add(1))
			if _, err := s.Execute(context.Background(), Enqueue("operator", []string{atom})); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
