package demo

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// slept records a simulated build's waits instead of sleeping.
type slept struct{ total time.Duration }

func (s *slept) sleep(_ context.Context, d time.Duration) error {
	if d < 0 {
		return errors.New("negative wait")
	}
	s.total += d
	return nil
}

// TestSimulate: a build prints emerge's phases over its scaled duration and
// succeeds.
func TestSimulate(t *testing.T) {
	var out strings.Builder
	var s slept
	const atom = "kde-apps/marble-17.12.3"
	err := Simulate(context.Background(), &out, SimOptions{Atom: "=" + atom, Speedup: 32, Sleep: s.sleep})
	if err != nil {
		t.Fatal(err)
	}
	if want := SimDuration(732*time.Second, 32); s.total < want-time.Millisecond || s.total > want {
		t.Errorf("slept %s, want %s", s.total, want)
	}
	text := out.String()
	for _, want := range []string{
		">>> Emerging (1 of 1) " + atom + "::gentoo\n",
		">>> Compiling source in /var/tmp/portage/" + atom + "/work/marble-17.12.3 ...\n",
		"[100%]", "a 12m12s build",
		">>> Completed (1 of 1) " + atom + "::gentoo\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("no %q in\n%s", want, text)
		}
	}
	if n := strings.Count(text, "\n"); n < compileTicks+8 {
		t.Errorf("%d lines: the log barely grows", n)
	}
}

// TestSimulateFailFirst: the failing package fails once, with the real
// emerge.log lines, and builds on every later attempt; others never fail.
func TestSimulateFailFirst(t *testing.T) {
	marks := filepath.Join(t.TempDir(), "marks")
	const atom = "kde-apps/ark-17.12.3"
	run := func(a string) (string, error) {
		var out strings.Builder
		var s slept
		err := Simulate(context.Background(), &out, SimOptions{Atom: a, Speedup: 100,
			FailFirst: "=" + atom, Marks: marks, Sleep: s.sleep})
		return out.String(), err
	}
	text, err := run(atom)
	if !errors.Is(err, ErrBuildFailed) {
		t.Fatalf("first attempt: %v", err)
	}
	if !strings.HasSuffix(text, " *** Finished. Cleaning up...\n *** exiting unsuccessfully with status '1'.\n") {
		t.Errorf("first attempt ends:\n%s", text)
	}
	if strings.Contains(text, "Completed") {
		t.Errorf("a failed build completed:\n%s", text)
	}
	for i := range 2 {
		if _, err := run(atom); err != nil {
			t.Errorf("attempt %d: %v", i+2, err)
		}
	}
	if _, err := run("kde-apps/okular-17.12.3"); err != nil {
		t.Errorf("another package: %v", err)
	}
}

func TestSimulateRefuses(t *testing.T) {
	ctx := context.Background()
	var s slept
	if err := Simulate(ctx, new(strings.Builder), SimOptions{Atom: "not an atom", Speedup: 2, Sleep: s.sleep}); err == nil {
		t.Error("a bad atom built")
	}
	if err := Simulate(ctx, new(strings.Builder), SimOptions{Atom: "kde-apps/ark-17.12.3", Speedup: 0, Sleep: s.sleep}); !errors.Is(err, ErrBadPlan) {
		t.Errorf("speedup 0: %v", err)
	}
	if err := Simulate(ctx, new(strings.Builder), SimOptions{Atom: "kde-apps/ark-17.12.3", Speedup: 2,
		FailFirst: "kde-apps/ark-17.12.3", Sleep: s.sleep}); err == nil {
		t.Error("failing a first attempt without marks")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := Simulate(cancelled, new(strings.Builder), SimOptions{Atom: "kde-apps/ark-17.12.3", Speedup: 2}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}
