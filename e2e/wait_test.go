package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// Waits for evidence that something had its chance. A test that asserts
// that something did NOT happen (no claim, no grounding) must first wait
// for the farm to have had every opportunity to do it: a fixed sleep
// passes vacuously on a machine slow enough that nothing ran during it.
// These helpers wait on what the processes record, with a generous
// deadline that bounds only how long a failing test takes to say so.
//
//   - waitAsked: the dispatcher decided (and, for a blocked package,
//     refused) a drone's claims again, against a log that already held
//     the reason (GET /v1/dispatch). Use it for drones that keep asking.
//   - waitHeartbeats: drones beat again after the log's current end (their
//     drone_health events; the farm is made with everyBeat). Use it for
//     drones that stop asking on their own (paused, grounded, degraded),
//     which learn that from heartbeats.
//   - waitDroneSaid: a drone's output has a line, e.g. that it saw a signal.

// chanceTimeout bounds each wait below: several heartbeats and dispatch
// rounds, with room for a loaded two-core machine.
const chanceTimeout = 30 * time.Second

// dispatchStats is GET /v1/dispatch (api.DispatchStats).
type dispatchStats struct {
	Rounds uint64 `json:"rounds"`
	Seq    uint64 `json:"seq"`
	Drones map[string]struct {
		Asked   uint64 `json:"asked"`
		Granted uint64 `json:"granted"`
		Seq     uint64 `json:"seq"`
	} `json:"drones"`
}

// dispatch reads the serving orchestrator's /v1/dispatch. Its counts start
// at zero with each `swarm serve`.
func (f *farm) dispatch() dispatchStats {
	f.t.Helper()
	c := http.Client{Timeout: cliTimeout}
	resp, err := c.Get(f.url + "/v1/dispatch")
	if err != nil {
		f.t.Fatalf("GET /v1/dispatch: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		f.t.Fatalf("GET /v1/dispatch: %s", resp.Status)
	}
	var s dispatchStats
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		f.t.Fatalf("GET /v1/dispatch: %v", err)
	}
	return s
}

// waitAsked waits until the dispatcher has decided n more claims of each
// drone (counted from this call), the latest against a log holding every
// event appended before this call. Call it once the reason a drone must
// get nothing is in the log; then assert that it got nothing.
func (f *farm) waitAsked(n uint64, ids ...string) {
	f.t.Helper()
	seq := f.status().Seq
	base := f.dispatch()
	f.waitFor(chanceTimeout, fmt.Sprintf("the dispatcher to decide %d more claims of each of %v after event %d", n, ids, seq),
		func() (bool, string) {
			now := f.dispatch()
			for _, id := range ids {
				d, b := now.Drones[id], base.Drones[id]
				if d.Asked < b.Asked+n || d.Seq < seq {
					return false, fmt.Sprintf("%s: asked %d (was %d), last decided at event %d", id, d.Asked, b.Asked, d.Seq)
				}
			}
			return true, ""
		})
}

// everyBeat asks for a drone_health event per heartbeat (farm.sample_every
// "0s"): the log is quiet by default, recording health changes and a
// resource sample every few minutes; a test that waits on heartbeats with
// waitHeartbeats, or counts them, needs each one in the log.
var everyBeat = setting{"farm.sample_every", `"0s"`}

// waitHeartbeats waits until each drone has sent n heartbeats recorded
// after the log's current end (n drone_health events of its own; the farm
// needs everyBeat).
func (f *farm) waitHeartbeats(n int, ids ...string) {
	f.t.Helper()
	seq := f.status().Seq
	f.waitFor(chanceTimeout, fmt.Sprintf("%d heartbeats of each of %v after event %d", n, ids, seq),
		func() (bool, string) {
			beats := f.events().after(seq).ofType("drone_health")
			for _, id := range ids {
				if got := len(beats.by(id)); got < n {
					return false, fmt.Sprintf("%s: %d heartbeats", id, got)
				}
			}
			return true, ""
		})
}

// waitDroneSaid waits until the output of the drone's latest process has
// a line containing s.
func (f *farm) waitDroneSaid(id, s string) {
	f.t.Helper()
	p := f.drone(id)
	f.waitFor(chanceTimeout, fmt.Sprintf("drone %s to say %q", id, s), func() (bool, string) {
		if p.exited() {
			f.t.Fatalf("waiting for drone %s to say %q: it ended (%s)", id, s, p.describeExit())
		}
		return fileContains(p.logPath, s), "not yet"
	})
}
