package drone

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/swarm-build/swarm/portage"
)

// meter is one build's progress counter (api.Task.Progress). It adds up
// the growth of three signs of life, so it grows whenever any of them does
// and never goes back:
//
//   - the build command's output (the drone's log of it), in bytes;
//   - portage's own build.log under PORTAGE_TMPDIR, in bytes: emerge
//     --quiet-build (implied by --jobs) prints nothing for hours while it
//     writes there;
//   - CPU time of every process in the build's process group, in
//     milliseconds: a compiler that writes nothing for a long link still
//     burns CPU.
//
// A build that grows none of them for build.stall_after is stalled; the
// orchestrator judges that (commands.Maintain) from the counter alone.
type meter struct {
	total uint64
	out   uint64         // output bytes seen
	file  uint64         // build.log bytes seen
	cpu   map[int]uint64 // CPU milliseconds seen, per process of the group
}

// add folds in a sample and returns the counter. A file that shrank (a
// phase started it again) and a process id now held by a new process set
// new baselines without counting backwards.
func (m *meter) add(out, file uint64, cpu map[int]uint64) uint64 {
	m.total += grown(m.out, out)
	m.total += grown(m.file, file)
	m.out, m.file = out, file
	for pid, ms := range cpu {
		old, seen := m.cpu[pid]
		if seen && ms >= old {
			m.total += ms - old
		} else {
			m.total += ms // a process it has not seen yet: all its time is new
		}
	}
	m.cpu = cpu
	return m.total
}

func grown(old, cur uint64) uint64 {
	if cur > old {
		return cur - old
	}
	return 0
}

// portageBuildLog is where portage writes the build log of atom:
// $PORTAGE_TMPDIR/portage/CATEGORY/PF/temp/build.log; "" when tmpdir is
// unset or the atom does not parse.
func portageBuildLog(tmpdir, atom string) string {
	if tmpdir == "" {
		return ""
	}
	a, err := portage.ParsePackage(atom)
	if err != nil {
		return ""
	}
	pf := strings.TrimPrefix(a.CPV(), a.Category+"/")
	return filepath.Join(tmpdir, "portage", a.Category, pf, "temp", "build.log")
}

// fileSize is a file's size, 0 when it cannot be read (not there yet).
func fileSize(path string) uint64 {
	if path == "" {
		return 0
	}
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return uint64(fi.Size())
}
