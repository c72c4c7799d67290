package e2e

import (
	"fmt"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/swarm-build/swarm/internal/shareddata"
)

// Helpers of the package-control tests (stale trees, capability routing,
// exclusions, swarm why).

// whyAnswer is `swarm why ATOM --json`.
type whyAnswer struct {
	Atom     string      `json:"atom"`
	State    string      `json:"state"`
	Position int         `json:"position"`
	Reasons  []whyReason `json:"reasons"`
	Able     []string    `json:"able"`
}

// whyReason is one reason of a whyAnswer, with the drones it rules out.
type whyReason struct {
	Reason string   `json:"reason"`
	Drones []string `json:"drones"`
}

func (f *farm) why(atom string) whyAnswer {
	f.t.Helper()
	var w whyAnswer
	f.swarmJSON(&w, "why", atom)
	return w
}

// reason returns the first reason that starts with prefix.
func (w whyAnswer) reason(prefix string) (whyReason, bool) {
	for _, r := range w.Reasons {
		if strings.HasPrefix(r.Reason, prefix) {
			return r, true
		}
	}
	return whyReason{}, false
}

func (w whyAnswer) String() string {
	s := fmt.Sprintf("%s is %s (position %d, able %v)", w.Atom, w.State, w.Position, w.Able)
	for _, r := range w.Reasons {
		s += fmt.Sprintf("\n  - %s %v", r.Reason, r.Drones)
	}
	return s
}

// staleStatus is what `swarm status --json` says about portage trees.
type staleStatus struct {
	Sync struct {
		Tree string `json:"tree"`
	} `json:"sync"`
	StaleDrones []struct {
		ID   string `json:"id"`
		Tree string `json:"tree"`
	} `json:"stale_drones"`
}

// sharedData returns the path of a file of the real Gentoo data in the
// repository's testdata/ (see its SOURCES.md), or $SWARM_SHARED_DATA,
// failing the test when it is absent.
func sharedData(t testing.TB, name string) string {
	t.Helper()
	return shareddata.File(t, name)
}

// waitOnline waits until the drones are online (registered and beating)
// and returns the sequence number of the log then.
func (f *farm) waitOnline(ids ...string) uint64 {
	f.t.Helper()
	f.waitFor(startTimeout, fmt.Sprintf("drones %v online", ids), func() (bool, string) {
		rows := f.droneRows()
		for _, id := range ids {
			if d := rows[id]; !d.Online {
				return false, fmt.Sprintf("%s: %+v", id, d)
			}
		}
		return true, ""
	})
	return f.status().Seq
}

// stopDrone sends SIGTERM to a drone's process and waits for it to exit.
func (f *farm) stopDrone(id string) {
	f.t.Helper()
	p := f.drone(id)
	p.signal(syscall.SIGTERM)
	if _, ok := p.wait(startTimeout); !ok {
		f.t.Fatalf("drone %s did not exit within %v of SIGTERM", id, startTimeout)
	}
}

// noClaims fails the test if any claimed event after seq matches keep.
func noClaims(t testing.TB, evs eventList, after uint64, what string, keep func(event) bool) {
	t.Helper()
	if c := evs.after(after).ofType("claimed").where(keep); len(c) > 0 {
		t.Errorf("%s:\n%s", what, c)
	}
}

// neededAtoms returns the atoms of the queue in state needed, sorted.
func neededAtoms(rows []queueRow) []string {
	var out []string
	for _, r := range rows {
		if r.State == "needed" {
			out = append(out, r.Atom)
		}
	}
	slices.Sort(out)
	return out
}
