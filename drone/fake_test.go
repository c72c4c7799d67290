package drone

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/swarm-build/swarm/api"
)

// fakeOrchestrator implements just enough of the drone API for the agent's
// tests: a queue handed out in order with fresh fences, reports recorded,
// drops sent on the next heartbeat, and switches for the failure modes
// (forgetting the drone, stale fences, refusing reports for a while).
type fakeOrchestrator struct {
	t     *testing.T
	token string
	srv   *httptest.Server

	mu             sync.Mutex
	settings       api.RegisterResponse
	registered     bool
	registrations  []api.RegisterRequest
	queue          []string
	expectedMS     map[string]int64 // ExpectedMS of a claim, by atom
	fence          uint64
	live           map[string]uint64 // atom → fence of its live claim
	claims         int               // claim calls
	heartbeats     []api.HeartbeatRequest
	pendingDrops   []api.Drop
	completes      []api.CompleteRequest
	fails          []api.FailRequest
	returns        []api.ReturnRequest
	stale          map[string]bool // reports for these atoms answer stale_fence
	refuse         map[string]int  // verb → answers of 503 still to give
	unauthorized   bool
	reportCalls    map[string]int    // verb → calls, refused or not
	claimGate      chan struct{}     // when set, claims wait for it to close
	healthAtReturn []string          // the drone's health as last heard, at each return
	uploads        []upload          // binpkg calls that reached the verb
	reject         map[string]bool   // binpkg uploads for these atoms answer 422 rejected
	binpkgStatus   int               // when set, binpkg answers this status (bad_request)
	midUpload      func()            // called halfway through reading a binpkg body
	logs           map[string][]byte // build logs received (zstd), by atom
}

func newFake(t *testing.T, command ...string) *fakeOrchestrator {
	f := &fakeOrchestrator{
		t:     t,
		token: "secret-token",
		settings: api.RegisterResponse{
			HeartbeatMS: 50, LeaseMS: 60_000, Command: command, Slots: 0,
			Health: api.Health{DegradedMemoryPercent: 85, DegradedDiskPercent: 90, SlowFactor: 2, CriticalCrashes: 3},
		},
		expectedMS:  map[string]int64{},
		live:        map[string]uint64{},
		stale:       map[string]bool{},
		refuse:      map[string]int{},
		reportCalls: map[string]int{},
		reject:      map[string]bool{},
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// enqueue adds packages to the end of the queue.
func (f *fakeOrchestrator) enqueue(atoms ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queue = append(f.queue, atoms...)
}

// with runs fn under the fake's lock, to read or change its state.
func (f *fakeOrchestrator) with(fn func(f *fakeOrchestrator)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

func (f *fakeOrchestrator) serve(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/") // v1 drones ID verb
	if len(parts) != 4 || parts[0] != api.Version || parts[1] != "drones" || r.Method != http.MethodPost {
		writeErr(w, http.StatusNotFound, api.CodeBadRequest, "no such path")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	verb := parts[3]
	if f.unauthorized || r.Header.Get("Authorization") != "Bearer "+f.token {
		writeErr(w, http.StatusUnauthorized, api.CodeUnauthorized, "wrong token")
		return
	}
	if f.refuse[verb] > 0 {
		f.refuse[verb]--
		f.reportCalls[verb]++
		writeErr(w, http.StatusServiceUnavailable, api.CodeUnavailable, "restarting")
		return
	}
	if verb != api.VerbRegister && !f.registered {
		writeErr(w, http.StatusConflict, api.CodeNotRegistered, "register first")
		return
	}
	switch verb {
	case api.VerbRegister:
		var req api.RegisterRequest
		decode(f.t, r, &req)
		f.registrations = append(f.registrations, req)
		f.registered = true
		writeJSON(w, f.settings)
	case api.VerbHeartbeat:
		var req api.HeartbeatRequest
		decode(f.t, r, &req)
		f.heartbeats = append(f.heartbeats, req)
		resp := api.HeartbeatResponse{Drop: f.pendingDrops}
		f.pendingDrops = nil
		writeJSON(w, resp)
	case api.VerbClaim:
		f.claims++
		if gate := f.claimGate; gate != nil { // a long poll that answers when the test says
			f.mu.Unlock()
			<-gate
			f.mu.Lock()
		}
		if len(f.queue) == 0 {
			writeJSON(w, api.ClaimResponse{Reason: "queue empty"})
			return
		}
		atom := f.queue[0]
		f.queue = f.queue[1:]
		f.fence++
		f.live[atom] = f.fence
		writeJSON(w, api.ClaimResponse{Claim: &api.Claim{
			Atom: atom, Fence: f.fence, Attempt: 1, LeaseMS: f.settings.LeaseMS, ExpectedMS: f.expectedMS[atom],
		}})
	case api.VerbComplete, api.VerbFail, api.VerbReturn:
		f.report(w, r, verb)
	case api.VerbBinpkg:
		f.binpkg(w, r)
	case api.VerbBuildLog:
		f.buildLog(w, r)
	default:
		writeErr(w, http.StatusNotFound, api.CodeBadRequest, "no such verb")
	}
}

// report records a complete, fail or return. Lock must be held.
func (f *fakeOrchestrator) report(w http.ResponseWriter, r *http.Request, verb string) {
	f.reportCalls[verb]++
	var atom string
	var fence uint64
	switch verb {
	case api.VerbComplete:
		var req api.CompleteRequest
		decode(f.t, r, &req)
		atom, fence = req.Atom, req.Fence
		if f.ok(w, atom, fence) {
			f.completes = append(f.completes, req)
		}
	case api.VerbFail:
		var req api.FailRequest
		decode(f.t, r, &req)
		atom, fence = req.Atom, req.Fence
		if f.ok(w, atom, fence) {
			f.fails = append(f.fails, req)
		}
	case api.VerbReturn:
		var req api.ReturnRequest
		decode(f.t, r, &req)
		atom, fence = req.Atom, req.Fence
		if f.ok(w, atom, fence) {
			f.returns = append(f.returns, req)
			health := ""
			if n := len(f.heartbeats); n > 0 {
				health = f.heartbeats[n-1].Health
			}
			f.healthAtReturn = append(f.healthAtReturn, health)
		}
	}
}

// ok checks a report's fence and answers it; it reports whether the
// report counts. Lock must be held.
func (f *fakeOrchestrator) ok(w http.ResponseWriter, atom string, fence uint64) bool {
	if f.stale[atom] || f.live[atom] != fence {
		writeErr(w, http.StatusConflict, api.CodeStaleFence, "stale fence")
		return false
	}
	delete(f.live, atom)
	writeJSON(w, api.Ack{Seq: fence})
	return true
}

func decode(t *testing.T, r *http.Request, v any) {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		t.Errorf("fake orchestrator: decode %s: %v", r.URL.Path, err)
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func writeErr(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(api.Error{Code: code, Message: msg})
}

// waitFor polls cond until it holds, failing the test after a generous
// timeout (a hang, not a performance limit).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
