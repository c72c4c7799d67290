package drone

import (
	"context"
	"errors"
	"fmt"

	"github.com/shirou/gopsutil/v4/cpu"
	"github.com/shirou/gopsutil/v4/disk"
	"github.com/shirou/gopsutil/v4/load"
	"github.com/shirou/gopsutil/v4/mem"
)

// Sample is one reading of the machine's resources, as a heartbeat carries
// it and the health machine judges it.
type Sample struct {
	CPUPercent    float64 // busy share of all CPUs since the previous sample
	MemoryPercent float64 // memory in use
	DiskPercent   float64 // space used on the log folder's filesystem
	Load1         float64 // one-minute load average
}

// Sampler reads the machine's resources. The agent samples once per
// heartbeat; tests inject fixed values.
type Sampler interface {
	Sample(ctx context.Context) (Sample, error)
}

// SystemSampler reads the real machine through gopsutil: CPU, memory, the
// filesystem holding Dir, and the load average.
type SystemSampler struct {
	Dir string // whose filesystem's use is DiskPercent
}

// Sample reads every resource it can. A resource that cannot be read is
// left at zero and named in the error, so one unreadable figure does not
// hide the others.
func (s SystemSampler) Sample(ctx context.Context) (Sample, error) {
	var out Sample
	var errs []error
	// Interval 0: the busy share since the last call, so heartbeats never wait.
	if p, err := cpu.PercentWithContext(ctx, 0, false); err != nil {
		errs = append(errs, fmt.Errorf("cpu: %w", err))
	} else if len(p) > 0 {
		out.CPUPercent = p[0]
	}
	if v, err := mem.VirtualMemoryWithContext(ctx); err != nil {
		errs = append(errs, fmt.Errorf("memory: %w", err))
	} else {
		out.MemoryPercent = v.UsedPercent
	}
	if u, err := disk.UsageWithContext(ctx, s.Dir); err != nil {
		errs = append(errs, fmt.Errorf("disk %s: %w", s.Dir, err))
	} else {
		out.DiskPercent = u.UsedPercent
	}
	if l, err := load.AvgWithContext(ctx); err != nil {
		errs = append(errs, fmt.Errorf("load: %w", err))
	} else {
		out.Load1 = l.Load1
	}
	if len(errs) > 0 {
		return out, fmt.Errorf("sample resources: %w", errors.Join(errs...))
	}
	return out, nil
}

// MachineMemoryMB is the machine's total memory in MiB, or 0 when it cannot
// be read (the orchestrator then knows nothing of it, which routes nothing
// wrongly).
func MachineMemoryMB() uint64 {
	v, err := mem.VirtualMemory()
	if err != nil {
		return 0
	}
	return v.Total >> 20
}
