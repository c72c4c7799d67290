package demo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/swarm-build/swarm/projections"
)

// Options are the inputs of Run.
type Options struct {
	// Dir is the demo's folder. It holds the state folder StateDir, made
	// by `swarm init`, and Run adds logs/ (the processes' output),
	// builds/ (the drones' build logs) and marks/.
	Dir      string
	StateDir string
	Exe      string // the swarm binary, run as `serve`, `drone` and the build command
	Plan     Plan
	Drones   int // how many drones
	Slots    int // builds each drone runs at once
	// Deadline is how long the queue may take to drain; 0 means
	// DefaultDeadline(Plan, Drones*Slots).
	Deadline time.Duration
	// Every is how often Progress is called (default 250ms); Progress may
	// be nil.
	Every    time.Duration
	Progress func(Progress)
	Logger   *slog.Logger
}

// Result is how a demo ended.
type Result struct {
	Status  projections.Status // the farm's final status, read after every process stopped
	Last    Progress           // the last progress report
	Elapsed time.Duration
	Logs    string // the folder of the processes' output
}

// DefaultDeadline gives a plan generous time to drain on slots builders:
// four times its estimate, plus a minute for the farm's own round trips.
func DefaultDeadline(p Plan, slots int) time.Duration {
	return 4*p.Estimate(slots) + time.Minute
}

// Run runs a demo farm until its queue drains: it configures the state
// folder, starts the orchestrator and the drones as separate processes of
// o.Exe, reports progress, stops them all and reads the final status. If
// ctx ends first, it stops everything in a hurry and returns ctx's error;
// if the deadline passes or a process dies, it returns ErrNotDrained. The
// folder is left as it is either way: removing it is the caller's choice.
func Run(ctx context.Context, o Options) (*Result, error) {
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	l := layout{dir: o.Dir, stateDir: o.StateDir}
	drones, err := Configure(ctx, o.StateDir, Setup{Exe: o.Exe, Plan: o.Plan, Drones: o.Drones,
		Slots: o.Slots, Marks: filepath.Join(o.Dir, "marks")}, logger)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	f, err := startFarm(ctx, l, o.Exe, drones, o.Slots)
	if err != nil {
		return nil, err
	}
	res := &Result{Logs: l.logs()}
	res.Last, err = watch(ctx, o, f, start, logger)
	hurry := ctx.Err() != nil || err != nil
	if stopErr := f.stop(hurry); stopErr != nil {
		logger.Warn("the demo farm did not stop cleanly", "err", stopErr)
		if err == nil {
			err = stopErr
		}
	}
	res.Elapsed = time.Since(start)
	if st, stErr := finalStatus(context.WithoutCancel(ctx), o.StateDir, logger); stErr == nil {
		res.Status = st
	} else if err == nil {
		err = stErr
	}
	return res, err
}

// watch reports progress every o.Every until the queue drains, ctx ends,
// the deadline passes or a process of the farm dies.
func watch(ctx context.Context, o Options, f *farm, start time.Time, logger *slog.Logger) (Progress, error) {
	w, err := newWatcher(o.StateDir, len(o.Plan.Builds), start, logger)
	if err != nil {
		return Progress{}, err
	}
	defer w.close()
	every := o.Every
	if every <= 0 {
		every = 250 * time.Millisecond
	}
	deadline := o.Deadline
	if deadline <= 0 {
		deadline = DefaultDeadline(o.Plan, o.Drones*o.Slots)
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	var last Progress
	for {
		p, err := w.poll(ctx, time.Now())
		if err != nil {
			return last, err
		}
		last = p
		if o.Progress != nil {
			o.Progress(p)
		}
		switch {
		case p.Drained():
			return p, nil
		case p.Elapsed > deadline:
			return p, fmt.Errorf("%w within %s: %d of %d packages done", ErrNotDrained,
				deadline.Round(time.Second), p.Done(), p.Total)
		}
		if err := f.died(); err != nil {
			return p, fmt.Errorf("%w: %w", ErrNotDrained, err)
		}
		select {
		case <-ctx.Done():
			return p, ctx.Err()
		case <-tick.C:
		}
	}
}

// died returns an error if the orchestrator or every drone has exited.
func (f *farm) died() error {
	if f.serve.exited() {
		return fmt.Errorf("swarm serve exited: %v (its log: %s)", f.serve.err, f.serve.log)
	}
	var errs []error
	for _, d := range f.drones {
		if !d.exited() {
			return nil
		}
		errs = append(errs, fmt.Errorf("%s exited: %v (its log: %s)", d.name, d.err, d.log))
	}
	return errors.Join(errs...)
}

// finalStatus reads the farm's status once every process has stopped.
func finalStatus(ctx context.Context, stateDir string, logger *slog.Logger) (projections.Status, error) {
	w, err := newWatcher(stateDir, 0, time.Now(), logger)
	if err != nil {
		return projections.Status{}, err
	}
	defer w.close()
	st, err := w.state(ctx)
	if err != nil {
		return projections.Status{}, err
	}
	return st.Status(), nil
}
