package e2e

import (
	"fmt"
	"syscall"
	"testing"
	"time"
)

// TestDegradedDroneClaimsNothing: drones whose memory use is over
// health.degraded_memory_percent report themselves degraded and claim
// nothing, though work waits.
//
// The threshold is farm-wide (drones get it when they register), and a
// test cannot give one drone of a machine more memory use than another, so
// the whole farm is made degraded by a threshold of 0.1%, which any real
// machine exceeds. To show that nothing but the threshold held the drones
// back, the farm is then restarted with the threshold at 100% and the same
// queue drains.
func TestDegradedDroneClaimsNothing(t *testing.T) {
	t.Parallel()
	f := newFarm(t, setting{"health.degraded_memory_percent", "0.1"}, everyBeat)
	ids := []string{"d1", "d2"}
	for _, id := range ids {
		f.addDrone(id)
	}
	f.serve()
	atoms := realAtoms(t, 1300, 5)
	f.enqueue(atoms...)
	for _, id := range ids {
		f.startDrone(id, droneOpts{})
	}
	f.waitFor(startTimeout, "every drone online and degraded", func() (bool, string) {
		rows := f.droneRows()
		for _, id := range ids {
			if d := rows[id]; !d.Online || d.Health != "degraded" {
				return false, fmt.Sprintf("%s: %+v", id, d)
			}
		}
		return true, ""
	})
	// Three heartbeats, each a chance to claim: a degraded drone asks for
	// nothing, so its heartbeats, not the dispatcher, are the evidence.
	f.waitHeartbeats(3, ids...)
	evs := f.events()
	if c := evs.ofType("claimed"); len(c) > 0 {
		t.Fatalf("degraded drones claimed:\n%s", c)
	}
	if s := f.status(); s.Queue.Needed != len(atoms) {
		t.Errorf("status queue %+v, want all %d needed", s.Queue, len(atoms))
	}

	// The control: healthy again, the same drones drain the same queue.
	f.swarm("config", "set", "health.degraded_memory_percent", "100.0")
	for _, id := range ids {
		d := f.drone(id)
		d.signal(syscall.SIGTERM)
		if _, ok := d.wait(startTimeout); !ok {
			t.Fatalf("%s did not exit after SIGTERM", id)
		}
	}
	f.stopServer()
	f.serve()
	for _, id := range ids {
		f.startDrone(id, droneOpts{})
	}
	if s := f.waitSettled(60 * time.Second); s.Queue.Built != len(atoms) {
		t.Errorf("after lifting the threshold: status queue %+v, want all %d built", s.Queue, len(atoms))
	}
}

// TestCriticalDroneReturnsWork: a drone whose builds crash
// (health.critical_crashes = 2 in a row) becomes critical and returns every
// package it holds, including one still building (a hung build, which it
// stops); another drone builds them.
//
// To know what the sick drone holds, it runs alone first: it claims the
// package that hangs, then packages that crash (four, so that claims
// are likely in flight when it turns critical). Its self-check fails (the
// farm's health.self_check is testdata/self-check, which fails for it
// alone), so after returning its work it stays recovering rather than
// claiming the same packages again; then two healthy drones join.
func TestCriticalDroneReturnsWork(t *testing.T) {
	t.Parallel()
	f := newFarm(t,
		setting{"health.critical_crashes", "2"},
		setting{"health.self_check", fmt.Sprintf("[%q]", testdata("self-check"))})
	for _, id := range []string{"sick", "a", "b"} {
		f.addDrone(id)
	}
	f.serve()
	atoms := realAtoms(t, 1500, 5)
	hang, crash := atoms[0], atoms[1:]
	f.enqueue(hang)
	f.startDrone("sick", droneOpts{slots: 3, env: []string{
		"FAKE_EMERGE_HANG=" + hang, "FAKE_EMERGE_CRASH=*", "FAKE_SELF_CHECK_FAIL=1"}})
	var hung buildRun
	f.waitFor(startTimeout, "sick to be building "+hang, func() (bool, string) {
		running := readRecord(t, f.record).running("sick")
		if len(running) > 0 {
			hung = running[0]
		}
		return len(running) > 0, fmt.Sprintf("sick runs %v", running)
	})
	f.enqueue(crash...)

	returned := f.waitEvent(30*time.Second, "sick to return "+hang, func(e event) bool {
		return e.Type == "returned" && e.Atom == hang && e.Drone == "sick"
	})
	if returned.Reason == "" {
		t.Errorf("returned without a reason: %s", returned)
	}
	if err := syscall.Kill(hung.pid, 0); err == nil {
		t.Errorf("the hung build (pid %d) still runs after its package was returned", hung.pid)
	}
	// Its next heartbeat says so; its failing self-check keeps it there.
	f.waitFor(10*time.Second, "sick to report itself critical or recovering", func() (bool, string) {
		h := f.droneRows()["sick"].Health
		return h == "critical" || h == "recovering", "health " + h
	})

	f.startDrone("a", droneOpts{})
	f.startDrone("b", droneOpts{})
	s := f.waitSettled(60 * time.Second)
	if s.Queue.Built != len(atoms) {
		t.Errorf("status queue %+v, want all %d built", s.Queue, len(atoms))
	}
	evs := f.events()
	done, ok := evs.ofType("completed").about(hang).first()
	if !ok || (done.Drone != "a" && done.Drone != "b") {
		t.Errorf("%s, returned by sick, completed as %v; want by a or b", hang, done)
	}
	if c := evs.ofType("completed").by("sick"); len(c) > 0 {
		t.Errorf("sick, whose builds all crash or hang, completed:\n%s", c)
	}
}
