package e2e

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
)

// buildRecord is what fake-emerge wrote to FAKE_EMERGE_RECORD: one run per
// "start ATOM DRONE PID" line, ended by its "end ATOM DRONE STATUS" line if
// the build ended by itself (a build killed with its drone never ends).
type buildRecord struct {
	runs []buildRun
}

// buildRun is one run of fake-emerge.
type buildRun struct {
	atom, drone string
	pid         int
	ended       bool
	status      string // "0", "1", "SIGSEGV", … once ended
}

// readRecord parses the record file; a missing file is an empty record.
func readRecord(t testing.TB, path string) buildRecord {
	t.Helper()
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return buildRecord{}
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rec buildRecord
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 4 {
			t.Fatalf("build record %s: malformed line %q", path, sc.Text())
		}
		switch fields[0] {
		case "start":
			pid, err := strconv.Atoi(fields[3])
			if err != nil {
				t.Fatalf("build record %s: bad pid in %q", path, sc.Text())
			}
			rec.runs = append(rec.runs, buildRun{atom: fields[1], drone: fields[2], pid: pid})
		case "end":
			rec.end(t, fields[1], fields[2], fields[3])
		default:
			t.Fatalf("build record %s: malformed line %q", path, sc.Text())
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rec
}

// end closes the earliest open run of atom on drone.
func (r *buildRecord) end(t testing.TB, atom, drone, status string) {
	for i := range r.runs {
		if run := &r.runs[i]; run.atom == atom && run.drone == drone && !run.ended {
			run.ended, run.status = true, status
			return
		}
	}
	t.Fatalf("build record: end of %s on %s that never started", atom, drone)
}

// running returns the runs of drone that have not ended.
func (r buildRecord) running(drone string) []buildRun {
	var out []buildRun
	for _, run := range r.runs {
		if run.drone == drone && !run.ended {
			out = append(out, run)
		}
	}
	return out
}

// starts counts the runs per atom.
func (r buildRecord) starts() map[string]int {
	n := map[string]int{}
	for _, run := range r.runs {
		n[run.atom]++
	}
	return n
}

// successes counts the runs per atom that ended with status 0.
func (r buildRecord) successes() map[string]int {
	n := map[string]int{}
	for _, run := range r.runs {
		if run.ended && run.status == "0" {
			n[run.atom]++
		}
	}
	return n
}

// of returns the runs of atom.
func (r buildRecord) of(atom string) []buildRun {
	var out []buildRun
	for _, run := range r.runs {
		if run.atom == atom {
			out = append(out, run)
		}
	}
	return out
}
