package demo

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/projections"
)

// Progress is the farm as the demo last read it from the event log.
type Progress struct {
	Elapsed      time.Duration           // since the farm started
	Total        int                     // packages the demo enqueued
	Queue        projections.QueueCounts // the queue by state
	DronesOnline int
	DronesTotal  int
	DronesBusy   int    // drones building something
	Paused       string // why dispatching is paused; "" when it is not
	// News are the notable events since the last Progress, one line each:
	// drones joining, failures and retries, returns, reclaims, groundings.
	News []string
}

// Done counts the packages that need nothing more: built, failed for good
// or excluded.
func (p Progress) Done() int { return p.Queue.Built + p.Queue.Failed + p.Queue.Excluded }

// Drained reports whether every package the demo enqueued needs nothing
// more and nothing is building.
func (p Progress) Drained() bool {
	return p.Total > 0 && p.Done() >= p.Total && p.Queue.Needed == 0 && p.Queue.Building == 0 && p.Queue.Blocked == 0
}

// PerMinute is the build rate so far, in packages a minute.
func (p Progress) PerMinute() float64 {
	if p.Elapsed <= 0 {
		return 0
	}
	return float64(p.Queue.Built) / p.Elapsed.Minutes()
}

// watcher reads the farm's state folder, read-only, while the orchestrator
// writes it.
type watcher struct {
	store  *commands.Store
	total  int
	start  time.Time
	seq    uint64          // the last event turned into news
	failed map[string]bool // packages that failed an attempt, to tell a retry's success
}

func newWatcher(stateDir string, total int, start time.Time, logger *slog.Logger) (*watcher, error) {
	store, err := commands.OpenStore(stateDir, commands.StoreOptions{ReadOnly: true, Logger: logger})
	if err != nil {
		return nil, err
	}
	return &watcher{store: store, total: total, start: start, failed: map[string]bool{}}, nil
}

func (w *watcher) close() error { return w.store.Close() }

// state is the farm's current State (shared: do not modify).
func (w *watcher) state(ctx context.Context) (*projections.State, error) {
	return w.store.Load(ctx)
}

// poll reads what is new in the log.
func (w *watcher) poll(ctx context.Context, now time.Time) (Progress, error) {
	st, err := w.store.Load(ctx)
	if err != nil {
		return Progress{}, err
	}
	s := st.Status()
	p := Progress{Elapsed: now.Sub(w.start), Total: w.total, Queue: s.Queue,
		DronesOnline: s.Drones.Online, DronesTotal: s.Drones.Total}
	for _, d := range st.DroneList() {
		if len(d.Tasks) > 0 {
			p.DronesBusy++
		}
	}
	if s.Paused != nil {
		p.Paused = s.Paused.Reason
	}
	p.News, err = w.news(ctx, st.Seq)
	return p, err
}

// news turns the events after the last poll, up to seq, into lines.
func (w *watcher) news(ctx context.Context, upTo uint64) ([]string, error) {
	var lines []string
	for e, err := range w.store.Log().Events(ctx, w.seq+1) {
		if err != nil {
			return lines, err
		}
		if e.Seq > upTo {
			break
		}
		w.seq = e.Seq
		if l := w.line(e); l != "" {
			lines = append(lines, l)
		}
	}
	return lines, nil
}

// line is the news an event makes, or "".
func (w *watcher) line(e *events.Event) string {
	switch e.Type {
	case events.TypeDroneRegistered:
		slots := "1 build"
		if e.Count > 1 {
			slots = fmt.Sprintf("%d builds", e.Count)
		}
		return fmt.Sprintf("%s joined the farm: %d cores, %s at once", e.Drone, e.Cores, slots)
	case events.TypeFailed:
		w.failed[e.Atom] = true
		if e.Final {
			return fmt.Sprintf("%s failed on %s%s: failed for good", e.Atom, e.Drone, signature(e))
		}
		return fmt.Sprintf("%s failed on %s%s: back in the queue for a retry", e.Atom, e.Drone, signature(e))
	case events.TypeCompleted:
		if w.failed[e.Atom] {
			delete(w.failed, e.Atom)
			return fmt.Sprintf("%s built on retry by %s", e.Atom, e.Drone)
		}
	case events.TypeReturned:
		return fmt.Sprintf("%s returned by %s: %s", e.Atom, e.Drone, e.Reason)
	case events.TypeReclaimed:
		return fmt.Sprintf("%s reclaimed: %s", e.Atom, e.Reason)
	case events.TypeGrounded:
		return fmt.Sprintf("%s grounded: %s", e.Drone, e.Reason)
	case events.TypeQueuePaused:
		return "queue paused: " + e.Reason
	case events.TypeQueueResumed:
		return "queue resumed"
	}
	return ""
}

func signature(e *events.Event) string {
	if e.Signature == "" {
		return ""
	}
	return " (" + e.Signature + ")"
}
