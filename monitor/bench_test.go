package monitor

import (
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/swarm-build/swarm/internal/eventmix"
	"github.com/swarm-build/swarm/projections"
)

// The monitor's first picture folds the whole log from the stream. These
// compare, in one run, folding a realistic log (eventmix: 100 drones) into
// the model in the stream's batches, drawing the screen after each batch as
// bubbletea does, with folding it into a bare projections.State.
const benchEvents = 100_000

func BenchmarkFoldState(b *testing.B) {
	evs := eventmix.Generate(1, 100, benchEvents)
	b.ResetTimer()
	for range b.N {
		st := projections.New()
		for i := range evs {
			st.Apply(&evs[i])
		}
	}
}

func BenchmarkFoldModel(b *testing.B) {
	evs := eventmix.Generate(1, 100, benchEvents)
	b.ResetTimer()
	for range b.N {
		m := New("bench", 0)
		m.Update(tea.WindowSizeMsg{Width: 100, Height: 40})
		batch := make([]EventMsg, 0, batchMax)
		for i := range evs {
			batch = append(batch, EventMsg{Event: evs[i]})
			if len(batch) == batchMax || i == len(evs)-1 {
				m.Update(batch)
				_ = m.Render()
				batch = batch[:0]
			}
		}
	}
}

// BenchmarkRender is one frame (each second's tick) of a farm mid-run.
func BenchmarkRender(b *testing.B) {
	evs := eventmix.Generate(1, 100, benchEvents)
	m := New("bench", 0)
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 40})
	for i := range evs {
		m.fold(evs[i])
	}
	m.Update(TickMsg(m.st.Time.Add(time.Second)))
	b.ResetTimer()
	for range b.N {
		_ = m.Render()
	}
}
