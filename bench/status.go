package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

// status measures `swarm status --json` as a new process on the replay log
// (with a snapshot at its end), against `swarm version`: the floor of
// starting the binary at all.
func (r *runner) status(ctx context.Context) error {
	const name, unit = "status_cold_ms", "ms"
	g := valueAtMost(50, unit)
	bin, f := r.opts.SwarmBinary, r.farm
	if bin == "" {
		r.progress("%s: skipped (no swarm binary)", name)
		r.add(Result{Name: name, Unit: unit, RawUnit: unit, Goal: g.text, Skipped: true,
			Detail: "skipped: no swarm binary to run"})
		return nil
	}
	if err := f.readyForStatus(); err != nil {
		return r.fail(name, unit, err)
	}
	r.progress("%s: %d runs of `swarm status --json` on the %d-event log vs `swarm version`",
		name, r.sz.statusRuns, f.last)
	statusArgs := []string{"status", "--json", "--dir", f.swarmDir()}
	// One unmeasured run of each brings the binary into the page cache.
	if _, err := runSwarm(ctx, bin, "version"); err != nil {
		return r.fail(name, unit, fmt.Errorf("swarm version: %w", err))
	}
	out, err := runSwarm(ctx, bin, statusArgs...)
	if err != nil {
		return r.fail(name, unit, fmt.Errorf("swarm status: %w", err))
	}
	runTimed := func(args ...string) measure {
		return func(ctx context.Context) (sample, error) {
			t0 := time.Now()
			_, err := runSwarm(ctx, bin, args...)
			return sample{v: ms(time.Since(t0))}, err
		}
	}
	rounds, err := r.interleave(ctx, name, r.sz.statusRuns, runTimed("version"), runTimed(statusArgs...))
	if err != nil {
		return r.fail(name, unit, err)
	}
	res := summarize(name, unit, rounds, headline, g)
	if msg := checkStatus(out, f.last); msg != "" {
		res.Pass, res.Detail = false, msg+"; "+res.Detail
	}
	r.add(res)
	return nil
}

// readyForStatus says why the farm cannot be measured with `swarm status`.
func (f *farm) readyForStatus() error {
	switch {
	case f == nil:
		return errors.New("no replay log (replay_1m did not build one)")
	case f.initErr != nil:
		return fmt.Errorf("swarm init: %w", f.initErr)
	case f.snapErr != nil:
		return fmt.Errorf("snapshot: %w", f.snapErr)
	}
	return nil
}

// checkStatus returns what is wrong with `status --json` output for a log
// whose last event is last ("" when nothing).
func checkStatus(out []byte, last uint64) string {
	var st struct {
		Seq *uint64 `json:"seq"`
	}
	if err := json.Unmarshal(out, &st); err != nil {
		return fmt.Sprintf("status --json printed no JSON object: %v", err)
	}
	if st.Seq == nil || *st.Seq != last {
		got := "none"
		if st.Seq != nil {
			got = fmt.Sprint(*st.Seq)
		}
		return fmt.Sprintf("status --json says seq %s, the log ends at %d", got, last)
	}
	return ""
}

// runSwarm runs the swarm binary with args and returns its stdout; a failure
// carries the first line of its stderr.
func runSwarm(ctx context.Context, bin string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(withoutEnv(os.Environ(), "SWARM_DIR"), "NO_COLOR=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		line, _, _ := strings.Cut(strings.TrimSpace(stderr.String()), "\n")
		if line != "" {
			return nil, fmt.Errorf("%s %s: %w: %s", bin, strings.Join(args, " "), err, line)
		}
		return nil, fmt.Errorf("%s %s: %w", bin, strings.Join(args, " "), err)
	}
	return stdout.Bytes(), nil
}

// withoutEnv drops the variable name from env.
func withoutEnv(env []string, name string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}
