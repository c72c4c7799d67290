package drone

import (
	"context"
	"testing"
)

// TestSystemSampler reads this machine: every figure is read and in range.
func TestSystemSampler(t *testing.T) {
	s, err := SystemSampler{Dir: t.TempDir()}.Sample(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]float64{"cpu": s.CPUPercent, "memory": s.MemoryPercent, "disk": s.DiskPercent} {
		if v < 0 || v > 100 {
			t.Errorf("%s = %v%%, want 0..100", name, v)
		}
	}
	if s.MemoryPercent == 0 || s.DiskPercent == 0 {
		t.Errorf("memory or disk read as unused: %+v", s)
	}
	if s.Load1 < 0 {
		t.Errorf("load %v", s.Load1)
	}
	if MachineMemoryMB() == 0 {
		t.Error("MachineMemoryMB = 0")
	}
}

func TestSystemSamplerMissingDir(t *testing.T) {
	s, err := SystemSampler{Dir: "/nonexistent/swarm/logs"}.Sample(context.Background())
	if err == nil {
		t.Fatal("no error for a folder that does not exist")
	}
	if s.MemoryPercent == 0 {
		t.Errorf("one unreadable figure hid the others: %+v", s)
	}
}
