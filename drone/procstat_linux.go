package drone

import (
	"math"
	"os"
	"strconv"
	"strings"
)

// clockTicks is USER_HZ, the unit of /proc/PID/stat's CPU times: 100 on
// every Linux architecture swarm builds for.
const clockTicks = 100

// groupCPU returns, for each process group in groups, the CPU time
// (user+system, milliseconds) of every process in it, from /proc. A
// process that ends between the listing and the read is skipped.
func groupCPU(groups map[int]bool) map[int]map[int]uint64 {
	out := make(map[int]map[int]uint64, len(groups))
	if len(groups) == 0 {
		return out
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return out
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		pgrp, ms, ok := parseStat(string(data))
		if !ok || !groups[pgrp] {
			continue
		}
		if out[pgrp] == nil {
			out[pgrp] = make(map[int]uint64)
		}
		out[pgrp][pid] = ms
	}
	return out
}

// parseStat reads the process group and CPU time (ms) from the text of
// /proc/PID/stat. The command name, in parentheses, may hold anything,
// so fields are counted from the last ')'.
func parseStat(s string) (pgrp int, ms uint64, ok bool) {
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, 0, false
	}
	f := strings.Fields(s[i+1:])
	// f[0] is field 3 (state): pgrp is field 5, utime 14, stime 15.
	if len(f) < 13 {
		return 0, 0, false
	}
	pgrp, err1 := strconv.Atoi(f[2])
	ut, err2 := strconv.ParseUint(f[11], 10, 64)
	st, err3 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || ut > math.MaxUint64/2000 || st > math.MaxUint64/2000 {
		return 0, 0, false // no real process has run that long: do not overflow
	}
	return pgrp, (ut + st) * 1000 / clockTicks, true
}
