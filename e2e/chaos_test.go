package e2e

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The chaos test's knobs. A CI run does one short trial; a longer campaign
// is `go test ./e2e -run TestChaos -chaos.trials=20 -v`, and a failed
// trial is replayed with its seed (printed in the test's name).
var (
	chaosTrials = flag.Int("chaos.trials", 1, "chaos test: number of trials")
	chaosSeed   = flag.Uint64("chaos.seed", 0, "chaos test: seed of the first trial (0: from the clock)")
	chaosRounds = flag.Int("chaos.rounds", 14, "chaos test: faults injected per trial")
)

// TestChaos runs a farm of real processes — one orchestrator and five
// drones — whose build command (testdata/chaos-emerge) sometimes hangs
// without a word, sometimes fails, sometimes prints nothing for a while,
// and usually builds; meanwhile it kills drones and the orchestrator with
// SIGKILL at random, restarts them, and enqueues more work from the CLI.
// Then it lets the farm settle and holds it to what the design promises:
//
//   - every package ends built or failed, a failure with its reason: none
//     stuck, none retried forever; a built one has its signed package in
//     the binhost's index (fake-emerge makes a real gpkg);
//   - no package was ever claimed by two drones at once;
//   - nothing acknowledged was lost: every enqueue that exited 0, every
//     claim a drone was granted and every report the orchestrator accepted
//     is in the log, and the log verifies;
//   - every completion has a successful build behind it (the harness
//     checks that for every farm).
func TestChaos(t *testing.T) {
	t.Parallel()
	seed := *chaosSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	for i := range *chaosTrials {
		s := seed + uint64(i)
		t.Run(fmt.Sprintf("seed-%d", s), func(t *testing.T) { chaosTrial(t, s) })
	}
}

// chaosStats counts what a trial did, for its report.
type chaosStats struct {
	droneKills, serverKills, enqueues, resumes int
	built, failed, stalls, reclaims, fails     int
	claims, reports                            int
}

func chaosTrial(t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	f := newFarm(t,
		setting{"build.command", fmt.Sprintf(`[%q, "={atom}"]`, testdata("chaos-emerge"))},
		setting{"build.stall_after", `"3s"`},
		setting{"farm.ground_after", "3"},
		setting{"farm.ground_for", `"3s"`},
	)
	var atoms []string
	for i := range 36 {
		atoms = append(atoms, fmt.Sprintf("dev-libs/chaos%d-1.%d", i, i%7))
	}
	for i := range 3 {
		atoms = append(atoms, fmt.Sprintf("dev-libs/doomed%d-2.%d", i, i))
	}
	atoms = append(atoms, "dev-libs/hung0-4.0") // stalls on every drone, every time
	f.enqueue(atoms...)

	addr := freeLoopbackAddr(t)
	f.serveOn(addr)
	ids := []string{"d1", "d2", "d3", "d4", "d5"}
	env := []string{"CHAOS_SEED=" + strconv.FormatUint(seed, 10), "CHAOS_DOOMED=dev-libs/doomed*", "CHAOS_HUNG=dev-libs/hung*"}
	for i, id := range ids {
		f.addDrone(id)
		f.startDrone(id, droneOpts{slots: 1 + i%2, env: env})
	}

	var st chaosStats
	acked := append([]string(nil), atoms...)
	for round := range *chaosRounds {
		time.Sleep(time.Duration(700+rng.IntN(1800)) * time.Millisecond)
		switch r := rng.IntN(100); {
		case r < 50: // a drone dies with its builds, and comes back
			id := ids[rng.IntN(len(ids))]
			f.killDrone(id)
			st.droneKills++
			time.Sleep(time.Duration(200+rng.IntN(1500)) * time.Millisecond)
			f.startDrone(id, droneOpts{slots: 2, env: env})
		case r < 68: // the orchestrator dies, and comes back on its address
			f.server.kill9()
			st.serverKills++
			time.Sleep(time.Duration(200+rng.IntN(1500)) * time.Millisecond)
			f.serveOn(addr)
		case r < 88: // an operator adds work while all this goes on
			atom := fmt.Sprintf("dev-libs/late%d-3.%d", round, rng.IntN(9))
			if _, errOut, code := f.run("enqueue", atom); code == 0 {
				acked = append(acked, atom)
				st.enqueues++
			} else {
				t.Logf("enqueue %s while under chaos: exit %d: %s", atom, code, errOut)
			}
		}
	}

	// Let it settle. A farm that pauses itself on a failure it judged
	// systemic is resumed, as its operator would after reading why.
	f.waitFor(3*time.Minute, "every package built or failed", func() (bool, string) {
		s := f.status()
		if s.Paused != nil {
			f.t.Logf("the farm paused itself: %s; resuming", s.Paused.Reason)
			if _, errOut, code := f.run("resume"); code != 0 {
				f.t.Logf("swarm resume: exit %d: %s", code, errOut)
			}
			st.resumes++
		}
		return s.Queue.Needed == 0 && s.Queue.Building == 0 && s.Paused == nil, fmt.Sprintf("queue %+v", s.Queue)
	})

	f.checkChaosOutcome(acked, &st)
	f.checkNoDoubleClaims(&st)
	f.checkAckedInLog(ids, &st)
	if out, errOut, code := f.run("verify"); code != 0 {
		t.Errorf("swarm verify: exit %d\n%s%s", code, out, errOut)
	}
	t.Logf("chaos seed %d: %d packages (%d built, %d failed); %d drone kills, %d orchestrator kills, "+
		"%d enqueues under chaos, %d resumes; %d claims, %d failures (%d stalls), %d reclaims; "+
		"%d acknowledged claims and reports checked",
		seed, len(acked), st.built, st.failed, st.droneKills, st.serverKills, st.enqueues, st.resumes,
		st.claims, st.fails, st.stalls, st.reclaims, st.reports)
}

// freeLoopbackAddr returns a loopback address with a port nobody listens
// on, for a server that is started (and restarted) on it later: a port
// below the kernel's ephemeral range, never handed out twice by this
// process. A port from the ephemeral range (a listen on :0) was free when
// asked for, but a restart minutes later could find it taken as the local
// end of some other test's connection: a cluster member's route port did
// ("bind: address already in use"), and the member could not rejoin.
func freeLoopbackAddr(t testing.TB) string {
	t.Helper()
	lo, hi := 20000, ephemeralStart()
	portsMu.Lock()
	defer portsMu.Unlock()
	for range 1000 {
		port := lo + rand.IntN(max(hi-lo, 1))
		if portsGiven[port] {
			continue
		}
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			continue // in use
		}
		ln.Close()
		portsGiven[port] = true
		return ln.Addr().String()
	}
	t.Fatalf("no free loopback port in %d-%d", lo, hi)
	return ""
}

var (
	portsMu    sync.Mutex
	portsGiven = map[int]bool{} // ports freeLoopbackAddr handed out
)

// ephemeralStart is the first port of the kernel's ephemeral range (what
// a listen on :0 or an outgoing connection takes), 32768 where it cannot
// be read.
func ephemeralStart() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if n, err := strconv.Atoi(f[0]); err == nil && n > 21000 {
				return n
			}
		}
	}
	return 32768
}

// checkChaosOutcome checks that every acknowledged package ended built, or
// failed with a reason, and that the doomed ones failed.
func (f *farm) checkChaosOutcome(acked []string, st *chaosStats) {
	f.t.Helper()
	rows := map[string]queueRow{}
	for _, r := range f.queue() {
		rows[r.Atom] = r
	}
	for _, atom := range acked {
		r, ok := rows[atom]
		switch {
		case !ok:
			f.t.Errorf("%s: enqueued (exit 0) but not in the queue", atom)
		case r.State == "built":
			st.built++
			if !r.Binary {
				f.t.Errorf("%s: built, but no verified package of it is in the index", atom)
			}
		case r.State == "failed" && r.LastFailure != "":
			st.failed++
		case r.State == "failed":
			f.t.Errorf("%s: failed without a reason", atom)
		default:
			f.t.Errorf("%s: ended %s, want built or failed", atom, r.State)
		}
		if (strings.Contains(atom, "doomed") || strings.Contains(atom, "hung")) && ok && r.State != "failed" {
			f.t.Errorf("%s fails or stalls on every drone but ended %s", atom, r.State)
		}
	}
}

// checkNoDoubleClaims folds the whole log: a package is claimed only
// while nobody holds it, and every release names the claim it ends.
func (f *farm) checkNoDoubleClaims(st *chaosStats) {
	f.t.Helper()
	held := map[string]event{}
	for _, e := range f.events() {
		switch e.Type {
		case "claimed":
			st.claims++
			if prev, ok := held[e.Atom]; ok {
				f.t.Errorf("%s claimed by %s (fence %d) while %s still held it (fence %d)",
					e.Atom, e.Drone, e.Fence, prev.Drone, prev.Fence)
			}
			held[e.Atom] = e
		case "completed", "failed", "returned", "reclaimed":
			if e.Type == "failed" {
				st.fails++
				if strings.Contains(e.Reason, "stall") || strings.Contains(e.Signature, "stall") {
					st.stalls++
				}
			}
			if e.Type == "reclaimed" {
				st.reclaims++
				if strings.Contains(e.Reason, "stall") {
					st.stalls++
				}
			}
			if prev, ok := held[e.Atom]; ok && prev.Fence == e.Fence {
				delete(held, e.Atom)
			}
		}
	}
}

// Lines drones log when the orchestrator acknowledged something.
var (
	ackedClaim  = regexp.MustCompile(`\bINFO claimed .*\batom=(\S+) fence=(\d+)`)
	ackedReport = regexp.MustCompile(`\bINFO reported .*\breport=(complete|fail|return) atom=(\S+) fence=(\d+)`)
)

// checkAckedInLog reads every drone's output for what the orchestrator
// acknowledged to it — a claim granted, a report recorded — and finds each
// in the log, though the orchestrator was killed again and again.
func (f *farm) checkAckedInLog(ids []string, st *chaosStats) {
	f.t.Helper()
	bySeq := map[uint64]event{}
	reports := map[string]bool{}
	for _, e := range f.events() {
		bySeq[e.Seq] = e
		reports[fmt.Sprintf("%s %s %d", e.Type, e.Atom, e.Fence)] = true
	}
	want := map[string]string{"complete": "completed", "fail": "failed", "return": "returned"}
	for _, id := range ids {
		file, err := os.Open(f.logFile("drone-" + id))
		if err != nil {
			f.t.Fatal(err)
		}
		sc := bufio.NewScanner(file)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			if m := ackedClaim.FindStringSubmatch(line); m != nil {
				st.reports++
				fence, _ := strconv.ParseUint(m[2], 10, 64)
				if e, ok := bySeq[fence]; !ok || e.Type != "claimed" || e.Atom != m[1] || e.Drone != id {
					f.t.Errorf("%s was granted %s with fence %d, but the log's event %d is %+v", id, m[1], fence, fence, e)
				}
			}
			if m := ackedReport.FindStringSubmatch(line); m != nil {
				st.reports++
				if !reports[want[m[1]]+" "+m[2]+" "+m[3]] {
					f.t.Errorf("%s: the orchestrator acknowledged %s of %s (fence %s), but the log has no such event",
						id, m[1], m[2], m[3])
				}
			}
		}
		file.Close()
	}
	if st.reports == 0 {
		data, _ := os.ReadFile(f.logFile("drone-" + ids[0]))
		f.t.Errorf("no acknowledged claim or report found in the drones' output: has its format changed? %s says:\n%s",
			ids[0], tailLines(string(data), 20))
	}
}
