package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/swarm-build/swarm/api"
)

// register is the body of a hand-made drone's registration.
var register = api.RegisterRequest{Cores: 1, MemoryMB: 1024, Slots: 1, Version: "e2e",
	Health: "healthy", Capabilities: []string{}, Tasks: []api.Task{}}

// TestWrongTokenRefused: a call with a wrong, missing or another drone's
// token, or for a drone never admitted, gets 401 with the code
// "unauthorized" and appends nothing. The right token gets through, so the
// refusals are about the token.
func TestWrongTokenRefused(t *testing.T) {
	t.Parallel()
	f := newFarm(t)
	f.addDrone("d1")
	other := f.addDrone("d2")
	f.serve()
	hb := api.HeartbeatRequest{Health: "healthy", Tasks: []api.Task{}}
	tests := []struct {
		name, id, token, verb string
		body                  any
	}{
		{"wrong token", "d1", "not-the-token", api.VerbHeartbeat, hb},
		{"no token", "d1", "", api.VerbHeartbeat, hb},
		{"another drone's token", "d1", other, api.VerbHeartbeat, hb},
		{"a drone never admitted", "ghost", other, api.VerbHeartbeat, hb},
		{"register with a wrong token", "d1", "not-the-token", api.VerbRegister, register},
		{"claim with a wrong token", "d1", "not-the-token", api.VerbClaim, api.ClaimRequest{}},
	}
	before := f.status().Seq
	for _, tt := range tests {
		code, body := f.post(tt.id, tt.token, tt.verb, tt.body)
		var e api.Error
		_ = json.Unmarshal(body, &e)
		if code != http.StatusUnauthorized || e.Code != api.CodeUnauthorized {
			t.Errorf("%s: %d %s, want 401 with code %q", tt.name, code, body, api.CodeUnauthorized)
		}
	}
	if after := f.status().Seq; after != before {
		t.Errorf("refused calls appended events: seq %d → %d:\n%s", before, after, f.events().after(before))
	}
	// Each refusal is logged, naming the drone and the token.
	f.waitFor(5*time.Second, "the server to log every refusal", func() (bool, string) {
		data, err := os.ReadFile(f.server.logPath)
		if err != nil {
			return false, err.Error()
		}
		n := 0
		for line := range strings.Lines(string(data)) {
			if strings.Contains(line, "token") && (strings.Contains(line, "d1") || strings.Contains(line, "ghost")) {
				n++
			}
		}
		return n >= len(tests), fmt.Sprintf("%d of %d refusals logged", n, len(tests))
	})

	code, body := f.post("d1", f.token("d1"), api.VerbRegister, register)
	if code != http.StatusOK {
		t.Fatalf("register with the right token: %d %s, want 200", code, body)
	}
	if after := f.status().Seq; after == before {
		t.Errorf("a registration appended nothing (seq %d)", after)
	}
}

// TestStaleFenceRefused is the double-claim incident, by hand over the
// API: drone m1 claims a package and goes silent; its lease lapses and the
// package is reclaimed; m2 claims it. m1's late report, with the old
// fencing token, is refused (409, "stale_fence") and changes nothing: the
// one event it appends is the record of the refusal (report_refused, so
// that replay --incidents can name the duplicate claim); m2's, with the
// current one, is recorded.
func TestStaleFenceRefused(t *testing.T) {
	t.Parallel()
	f := newFarm(t)
	f.addDrone("m1")
	f.addDrone("m2")
	f.serve()
	atom := realAtoms(t, 1700, 1)[0]
	f.enqueue(atom)

	first := f.claim("m1")
	if first.Atom != atom {
		t.Fatalf("m1 claimed %q, want %q", first.Atom, atom)
	}
	f.waitEvent(20*time.Second, atom+" reclaimed after m1's lease lapsed", func(e event) bool {
		return e.Type == "reclaimed" && e.Atom == atom
	})
	second := f.claim("m2")
	if second.Atom != atom || second.Fence == first.Fence {
		t.Fatalf("m2 claimed %+v after m1's %+v; want %s under a new fence", second, first, atom)
	}

	before := f.status().Seq
	code, body := f.post("m1", f.token("m1"), api.VerbComplete, api.CompleteRequest{Atom: atom, Fence: first.Fence})
	var e api.Error
	_ = json.Unmarshal(body, &e)
	if code != http.StatusConflict || e.Code != api.CodeStaleFence {
		t.Errorf("complete with the stale fence %d: %d %s, want 409 with code %q", first.Fence, code, body, api.CodeStaleFence)
	}
	if added := f.events().after(before); len(added) != 1 || added[0].Type != "report_refused" || added[0].Drone != "m1" ||
		added[0].Fence != first.Fence || !strings.Contains(added[0].Reason, "of m2") {
		t.Errorf("a refused report appended %v; want only its report_refused, naming m1's fence %d and m2's claim", added, first.Fence)
	}

	code, body = f.post("m2", f.token("m2"), api.VerbComplete, api.CompleteRequest{Atom: atom, Fence: second.Fence})
	if code != http.StatusOK {
		t.Fatalf("complete with the current fence %d: %d %s, want 200", second.Fence, code, body)
	}
	if r, _ := rowOf(f.queue(), atom); r.State != "built" {
		t.Errorf("after m2's report: %+v, want built", r)
	}
	if c := f.events().ofType("completed").about(atom); len(c) != 1 || c[0].Drone != "m2" {
		t.Errorf("completed events of %s:\n%s; want one, by m2", atom, c)
	}
}

// claim registers a hand-made drone and claims one package as it.
func (f *farm) claim(id string) api.Claim {
	f.t.Helper()
	if code, body := f.post(id, f.token(id), api.VerbRegister, register); code != http.StatusOK {
		f.t.Fatalf("register %s: %d %s", id, code, body)
	}
	code, body := f.post(id, f.token(id), api.VerbClaim, api.ClaimRequest{WaitMS: 5000})
	var resp api.ClaimResponse
	if err := json.Unmarshal(body, &resp); code != http.StatusOK || err != nil || resp.Claim == nil {
		f.t.Fatalf("claim as %s: %d %s (%v)", id, code, body, err)
	}
	return *resp.Claim
}
