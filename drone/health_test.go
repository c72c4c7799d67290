package drone

import (
	"testing"

	"github.com/swarm-build/swarm/api"
)

// healthStep is one input to the machine; exactly one field is set.
type healthStep struct {
	observe  *Observation
	ended    *Outcome
	returned bool
	checked  *bool
}

func obs(mem, disk float64, slow ...string) healthStep {
	return healthStep{observe: &Observation{Sample: Sample{MemoryPercent: mem, DiskPercent: disk}, SlowBuilds: slow}}
}
func ended(o Outcome) healthStep { return healthStep{ended: &o} }
func checked(ok bool) healthStep { return healthStep{checked: &ok} }
func returned() healthStep       { return healthStep{returned: true} }
func (s healthStep) apply(h *Health) Transition {
	switch {
	case s.observe != nil:
		return h.Observe(*s.observe)
	case s.ended != nil:
		return h.BuildEnded(*s.ended)
	case s.returned:
		return h.WorkReturned()
	default:
		return h.SelfChecked(*s.checked, "exit 1")
	}
}

func TestHealthMachine(t *testing.T) {
	limits := api.Health{DegradedMemoryPercent: 85, DegradedDiskPercent: 90, SlowFactor: 2, CriticalCrashes: 3}
	tests := []struct {
		name       string
		steps      []healthStep
		want       State
		wantReason string
		crashes    int
	}{
		{"starts healthy", nil, Healthy, "", 0},
		{"calm sample", []healthStep{obs(50, 50)}, Healthy, "", 0},
		{"at the threshold is not over it", []healthStep{obs(85, 90)}, Healthy, "", 0},
		{"memory over", []healthStep{obs(86, 10)}, Degraded, "memory 86% > 85%", 0},
		{"disk over", []healthStep{obs(10, 95)}, Degraded, "disk 95% > 90%", 0},
		{"both over", []healthStep{obs(99, 99)}, Degraded, "memory 99% > 85%; disk 99% > 90%", 0},
		{"slow build", []healthStep{obs(10, 10, "sys-devel/llvm-19.1.7")}, Degraded, "sys-devel/llvm-19.1.7 running over 2× its usual time", 0},
		{"degraded clears", []healthStep{obs(99, 10), obs(10, 10)}, Healthy, "", 0},
		{"two crashes are not enough", []healthStep{ended(Crashed), ended(Crashed)}, Healthy, "", 2},
		{"three crashes in a row", []healthStep{ended(Crashed), ended(Crashed), ended(Crashed)}, Critical, "3 builds crashed in a row", 3},
		{"a success breaks the row", []healthStep{ended(Crashed), ended(Crashed), ended(Succeeded), ended(Crashed)}, Healthy, "", 1},
		{"an ordinary failure neither counts nor resets", []healthStep{ended(Crashed), ended(Failed), ended(Crashed), ended(Failed)}, Healthy, "", 2},
		{"degraded can go critical", []healthStep{obs(99, 10), ended(Crashed), ended(Crashed), ended(Crashed)}, Critical, "3 builds crashed in a row", 3},
		{"samples do not end critical", []healthStep{ended(Crashed), ended(Crashed), ended(Crashed), obs(10, 10)}, Critical, "3 builds crashed in a row", 3},
		{"a self-check result means nothing while critical", []healthStep{ended(Crashed), ended(Crashed), ended(Crashed), checked(true)}, Critical, "3 builds crashed in a row", 3},
		{"work returned: recovering", []healthStep{ended(Crashed), ended(Crashed), ended(Crashed), returned()}, Recovering, "running self-check", 3},
		{"more crashes while recovering stay recovering", []healthStep{ended(Crashed), ended(Crashed), ended(Crashed), returned(), ended(Crashed)}, Recovering, "running self-check", 4},
		{"self-check fails", []healthStep{ended(Crashed), ended(Crashed), ended(Crashed), returned(), checked(false)}, Recovering, "self-check failed: exit 1", 3},
		{"samples do not end recovering", []healthStep{ended(Crashed), ended(Crashed), ended(Crashed), returned(), obs(10, 10)}, Recovering, "running self-check", 3},
		{"self-check passes", []healthStep{ended(Crashed), ended(Crashed), ended(Crashed), returned(), checked(false), checked(true)}, Healthy, "", 0},
		{"returned when not critical changes nothing", []healthStep{returned()}, Healthy, "", 0},
		{"healthy again, a sample may degrade", []healthStep{ended(Crashed), ended(Crashed), ended(Crashed), returned(), checked(true), obs(99, 10)}, Degraded, "memory 99% > 85%", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := NewHealth(limits)
			for _, s := range tt.steps {
				s.apply(h)
			}
			if h.State() != tt.want || h.Reason() != tt.wantReason || h.Crashes() != tt.crashes {
				t.Errorf("state %s (%q, %d crashes), want %s (%q, %d crashes)",
					h.State(), h.Reason(), h.Crashes(), tt.want, tt.wantReason, tt.crashes)
			}
		})
	}
}

func TestHealthTransitions(t *testing.T) {
	h := NewHealth(api.Health{CriticalCrashes: 1})
	if tr := h.Observe(Observation{}); tr.Changed() {
		t.Errorf("healthy → healthy reported as a change: %+v", tr)
	}
	tr := h.BuildEnded(Crashed)
	if want := (Transition{Healthy, Critical, "1 builds crashed in a row"}); tr != want {
		t.Errorf("transition %+v, want %+v", tr, want)
	}
}

func TestHealthDefaults(t *testing.T) {
	h := NewHealth(api.Health{SlowFactor: 0.5})
	got := h.Limits()
	want := api.Health{DegradedMemoryPercent: 85, DegradedDiskPercent: 90, SlowFactor: 2, CriticalCrashes: 3}
	if got.DegradedMemoryPercent != want.DegradedMemoryPercent || got.DegradedDiskPercent != want.DegradedDiskPercent ||
		got.SlowFactor != want.SlowFactor || got.CriticalCrashes != want.CriticalCrashes {
		t.Errorf("limits %+v, want %+v", got, want)
	}
}

func TestHealthIsSlow(t *testing.T) {
	h := NewHealth(api.Health{SlowFactor: 2})
	tests := []struct {
		ran, expected int64
		want          bool
	}{
		{1000, 0, false},    // unknown usual time: never slow
		{2000, 1000, false}, // exactly twice
		{2001, 1000, true},
		{500, 1000, false},
	}
	for _, tt := range tests {
		if got := h.IsSlow(tt.ran, tt.expected); got != tt.want {
			t.Errorf("IsSlow(%d, %d) = %v, want %v", tt.ran, tt.expected, got, tt.want)
		}
	}
}
