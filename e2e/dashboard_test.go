package e2e

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// pageState is what the dashboard says of itself and shows.
type pageState struct {
	Stream   string            `json:"stream"`
	FirstSeq uint64            `json:"firstSeq"` // the status's seq it started from
	LastSeq  uint64            `json:"lastSeq"`
	Gaps     uint64            `json:"gaps"`
	Events   uint64            `json:"events"`
	Drones   map[string]string `json:"drones"` // id -> the status its row shows
	Timeline map[string]string `json:"timeline"`
	Alerts   string            `json:"alerts"`
	Failures []string          `json:"failures"` // each shown failure's text
	Marker   string            `json:"marker"`   // set once at load: gone if the page reloaded
}

const pageStateJS = `(() => {
  if (!document.body || !document.querySelector("#alerts")) return {stream: "loading", drones: {}, timeline: {}};
  const b = document.body.dataset, drones = {}, timeline = {};
  for (const r of document.querySelectorAll("#drones tbody tr")) drones[r.dataset.drone] = r.dataset.status;
  for (const r of document.querySelectorAll("#timeline .tl-row"))
    timeline[r.dataset.drone] = [...r.querySelectorAll(".tl-bar span[data-atom]")].map((s) => s.className + ":" + s.dataset.atom).join(" ");
  return {stream: b.stream, firstSeq: Number(b.firstSeq), lastSeq: Number(b.lastSeq), gaps: Number(b.gaps), events: Number(b.events),
    drones, timeline, alerts: document.querySelector("#alerts").textContent,
    failures: [...document.querySelectorAll("#failures .failure")].map((f) => f.textContent), marker: String(window.__marker || "")};
})()`

func (b *browser) page() pageState {
	b.t.Helper()
	var p pageState
	if err := b.eval(pageStateJS, &p); err != nil {
		b.t.Fatalf("read the page: %v", err)
	}
	return p
}

// waitPage waits until the page satisfies cond.
func (f *farm) waitPage(b *browser, what string, cond func(pageState) bool) pageState {
	f.t.Helper()
	var p pageState
	f.waitFor(startTimeout, what, func() (bool, string) {
		p = b.page()
		return cond(p), fmt.Sprintf("the page: %+v", p)
	})
	return p
}

// The dashboard in a real headless Chromium against a real farm: every
// drone is shown; two drones that start building in the same second are
// both shown building; and when the orchestrator restarts, the page goes
// on without a reload and misses none of the events appended meanwhile.
func TestDashboardInChromium(t *testing.T) {
	f := newFarm(t, everyBeat) // it waits for heartbeats in the log
	f.addDrone("alpha")
	f.addDrone("bravo")
	f.serve()
	failing := realAtoms(t, 10, 1)[0]
	env := droneOpts{env: append(failWith(failing, "slot-conflict.txt"), "FAKE_EMERGE_SECONDS=4")}
	f.startDrone("alpha", env)
	f.startDrone("bravo", env)
	f.waitHeartbeats(1, "alpha", "bravo")

	b := startBrowser(t)
	b.keepOnFailure()
	b.open(f.url + "/")
	f.waitPage(b, "the page to load and follow the stream", func(p pageState) bool {
		return p.Stream == "live" && p.Drones["alpha"] != "" && p.Drones["bravo"] != ""
	})
	var ignored bool
	if err := b.eval(`(window.__marker = "loaded", true)`, &ignored); err != nil {
		t.Fatal(err)
	}

	// Both drones are waiting for work: one enqueue gives each a package
	// in the same dispatch round.
	f.waitAsked(1, "alpha", "bravo")
	atoms := realAtoms(t, 0, 2)
	f.enqueue(atoms...)
	claims := f.events().where(func(e event) bool { return e.Type == "claimed" })
	f.waitFor(startTimeout, "both drones to claim", func() (bool, string) {
		claims = f.events().where(func(e event) bool { return e.Type == "claimed" })
		return len(claims) >= 2, fmt.Sprintf("%d claims", len(claims))
	})
	if d := claims[1].Time.Sub(claims[0].Time); claims[0].Drone == claims[1].Drone || d > time.Second || d < -time.Second {
		t.Fatalf("the setup did not make two drones claim within one second: %v, %v", claims[0], claims[1])
	}
	f.waitPage(b, "both drones shown building, each on its own package", func(p pageState) bool {
		return p.Drones["alpha"] == "building" && p.Drones["bravo"] == "building" &&
			strings.Contains(p.Timeline["alpha"], "building:") && strings.Contains(p.Timeline["bravo"], "building:")
	})
	f.waitPage(b, "both builds shown done", func(p pageState) bool {
		return strings.Contains(p.Timeline["alpha"], "done:") && strings.Contains(p.Timeline["bravo"], "done:")
	})

	// A failure is shown as it happens with its error context: the
	// signature and the log's excerpt.
	f.enqueue(failing)
	f.waitPage(b, "the failure shown with its error context", func(p pageState) bool {
		return slices.ContainsFunc(p.Failures, shownWithContext(failing))
	})

	// The orchestrator restarts; meanwhile the CLI appends events.
	port := mustPort(t, f.url)
	f.stopServer()
	f.waitPage(b, "the page to notice the server is gone", func(p pageState) bool { return p.Stream != "live" })
	f.swarm("pause", "--reason", "dashboard restart drill")
	f.enqueue(realAtoms(t, 2, 3)...)
	f.serveOn("127.0.0.1:" + port)

	head := f.status().Seq
	p := f.waitPage(b, "the page to catch up with the log after the restart", func(p pageState) bool {
		return p.Stream == "live" && p.LastSeq >= head && strings.Contains(p.Alerts, "dashboard restart drill")
	})
	if p.Marker != "loaded" {
		t.Fatal("the page reloaded to resume")
	}
	if p.Gaps != 0 {
		t.Fatalf("the page missed %d events", p.Gaps)
	}
	if p.FirstSeq == 0 || p.Events != p.LastSeq-p.FirstSeq {
		t.Fatalf("the page saw %d events from %d to %d", p.Events, p.FirstSeq, p.LastSeq)
	}

	// A page opened now shows the failures that happened before it (none
	// is building any more), with their context too.
	f.waitFor(startTimeout, "no build in progress", func() (bool, string) {
		s := f.status()
		return s.Queue.Building == 0, fmt.Sprintf("queue %+v", s.Queue)
	})
	b.open(f.url + "/")
	f.waitPage(b, "a new page to show the earlier failure with its error context", func(p pageState) bool {
		return p.Stream == "live" && slices.ContainsFunc(p.Failures, shownWithContext(failing))
	})
}

// shownWithContext matches a failure of atom shown with its signature and
// the real emerge text's words.
func shownWithContext(atom string) func(string) bool {
	return func(text string) bool {
		return strings.Contains(text, atom) && strings.Contains(text, "slot-conflict") &&
			strings.Contains(text, "Multiple package instances within a single package slot")
	}
}

func mustPort(t *testing.T, raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Port()
}

// Beyond loopback the dashboard asks for an operator's token; signed in,
// the browser's cookie carries it to the views and the event stream (an
// EventSource can send no header), and the page goes live.
func TestDashboardSignInBeyondLoopback(t *testing.T) {
	f := newFarm(t, everyBeat) // it waits for heartbeats in the log
	f.addDrone("alpha")
	f.serveOn("0.0.0.0:0")
	token := f.operator("alice", "--read-only")
	f.startDrone("alpha", droneOpts{})
	f.waitHeartbeats(1, "alpha")

	b := startBrowser(t)
	b.keepOnFailure()
	b.open(f.url + "/")
	var form bool
	f.waitFor(startTimeout, "the sign-in form", func() (bool, string) {
		err := b.eval(`!!document.querySelector('form[action="/login"] input[name=token]')`, &form)
		return err == nil && form, fmt.Sprint(err)
	})
	var ok bool
	wrong := `(document.querySelector("input[name=token]").value = "not-a-token", document.querySelector("form").submit(), true)`
	if err := b.eval(wrong, &ok); err != nil {
		t.Fatal(err)
	}
	f.waitFor(startTimeout, "a wrong token to be refused with the form again", func() (bool, string) {
		var title string
		err := b.eval(`document.readyState === "complete" && document.title`, &title)
		return err == nil && title == "swarm: sign in" && b.page().Stream == "loading", fmt.Sprint(title, err)
	})
	submit := fmt.Sprintf(`(document.querySelector("input[name=token]").value = %q, document.querySelector("form").submit(), true)`, token)
	if err := b.eval(submit, &ok); err != nil {
		t.Fatal(err)
	}
	p := f.waitPage(b, "the signed-in page to go live with the drone", func(p pageState) bool {
		return p.Stream == "live" && p.Drones["alpha"] != ""
	})
	f.enqueue(realAtoms(t, 0, 1)...)
	f.waitPage(b, "the stream to carry new events past the sign-in", func(q pageState) bool {
		return q.LastSeq > p.LastSeq && q.Gaps == 0
	})
}
