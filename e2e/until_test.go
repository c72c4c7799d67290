package e2e

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"testing"
	"time"
)

// clockFields are the keys of `swarm status --json` that depend on the
// moment it was asked, not on the log, so a replay cannot know them:
//   - server: whether an orchestrator answers now, its pid and address;
//   - build_logs: the build-log files in .swarm/logs now (not events);
//   - eta: when the queue would be done, counted from now (at) with the
//     drones able to build now; replay prints none.
//
// Everything else, rates and drone counts included, is a function of the
// log up to the seq it names.
var clockFields = []string{"server", "build_logs", "eta"}

// moment is a live `swarm status --json`, as printed, and the seq it
// reflects.
type moment struct {
	what string
	seq  uint64
	at   time.Time
	raw  map[string]any
}

func (f *farm) liveStatus(what string) moment {
	f.t.Helper()
	var raw map[string]any
	f.swarmJSON(&raw, "status")
	var head struct {
		Seq  uint64    `json:"seq"`
		Time time.Time `json:"time"`
	}
	data, _ := json.Marshal(raw)
	if err := json.Unmarshal(data, &head); err != nil || head.Seq == 0 {
		f.t.Fatalf("status --json at %s: seq %d, %v", what, head.Seq, err)
	}
	return moment{what: what, seq: head.Seq, at: head.Time, raw: raw}
}

// sameStatus compares a replayed status with a live one, key by key,
// leaving out clockFields; it returns what differs.
func sameStatus(live, then map[string]any) []string {
	var diffs []string
	for _, k := range slices.Sorted(maps.Keys(live)) {
		if slices.Contains(clockFields, k) {
			continue
		}
		if !reflect.DeepEqual(live[k], then[k]) {
			diffs = append(diffs, fmt.Sprintf("%s: live %v, replayed %v", k, live[k], then[k]))
		}
	}
	return diffs
}

// TestReplayUntilMatchesLiveStatus: what `swarm status --json` printed at
// several moments of a real farm (queued, building, a drone grounded,
// settled) is what `swarm replay --until` shows afterwards, both by the
// seq it printed and by its time, but for the fields that depend on the
// moment of asking (clockFields).
func TestReplayUntilMatchesLiveStatus(t *testing.T) {
	t.Parallel()
	f := newFarm(t, setting{"farm.ground_after", "2"}, setting{"farm.systemic_fraction", "1.0"})
	f.addDrone("slow")
	f.addDrone("bad")
	f.serve()
	f.enqueue(realAtoms(t, 2400, 5)...)
	var moments []moment
	moments = append(moments, f.liveStatus("queued"))
	f.startDrone("slow", droneOpts{env: []string{"FAKE_EMERGE_SECONDS=2"}})
	f.waitEvent(30*time.Second, "slow to claim", func(e event) bool { return e.Type == "claimed" && e.Drone == "slow" })
	moments = append(moments, f.liveStatus("building"))
	f.startDrone("bad", droneOpts{env: failWith("*", "slot-conflict.txt")})
	f.waitEvent(60*time.Second, "bad grounded", func(e event) bool { return e.Type == "grounded" && e.Drone == "bad" })
	moments = append(moments, f.liveStatus("grounded"))
	f.waitSettled(120 * time.Second)
	moments = append(moments, f.liveStatus("settled"))
	f.killDrone("slow")
	f.killDrone("bad")
	f.waitEvent(60*time.Second, "the drones offline", func(e event) bool { return e.Type == "drone_offline" && e.Drone == "slow" })

	evs := f.events()
	for _, m := range moments {
		var bySeq, byTime map[string]any
		f.swarmJSON(&bySeq, "replay", "--until", fmt.Sprint(m.seq))
		if d := sameStatus(m.raw, bySeq); len(d) > 0 {
			t.Errorf("%s (seq %d): replay --until %d differs from the live status:\n%v", m.what, m.seq, m.seq, d)
		}
		// By time: the log up to the last event of that millisecond,
		// which is the live seq unless later events share its stamp.
		f.swarmJSON(&byTime, "replay", "--until", m.at.Format(time.RFC3339Nano))
		want := m.seq
		for _, e := range evs {
			if e.Seq > want && e.Time.Equal(m.at) {
				want = e.Seq
			}
		}
		if want == m.seq {
			if d := sameStatus(m.raw, byTime); len(d) > 0 {
				t.Errorf("%s (%s): replay --until TIME differs from the live status:\n%v", m.what, m.at.Format(time.RFC3339Nano), d)
			}
		} else if got := byTime["seq"]; got != float64(want) {
			t.Errorf("%s: replay --until %s at seq %v, want %d (the last event of that millisecond)", m.what, m.at.Format(time.RFC3339Nano), got, want)
		}
	}
}
