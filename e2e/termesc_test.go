package e2e

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/events"
)

// Hostile text, as a drone or a build log might carry it: no spaces, so
// nothing quotes it by accident.
const (
	escHealth  = "healthy\x1b[5m"                  // blink
	escTree    = "tree\x1b[2J\x1b[H"               // clear the screen, cursor home
	escVersion = "1.0\x1b]0;pwned\x07"             // OSC: set the window title
	escCap     = "amd64\x1b[8m"                    // conceal what follows
	escSig     = "compile-phase\x1b[31m"           // red
	escReason  = "emerge\x1b[1Aexited\u009b31m1"   // cursor up, then a C1 CSI
	escPause   = "maintenance\x1b[2K\rall-clear"   // erase the line, carriage return
	escExclude = "flaky\x1b]52;c;cm0gLXJmIH4=\x07" // OSC 52: write the clipboard
	// A real portage error as a coloured build log has it, with a title
	// change hidden in it.
	escExcerpt = "\x1b[32;01m>>>\x1b[0m Emerging (1 of 1)\n \x1b[31;01m*\x1b[0m ERROR: failed (compile phase):\n\x1b]0;pwned\x07make: *** Error 1\n"
)

// TestTerminalEscapesShownEscaped: events carrying terminal control
// sequences in a drone's identity (health, tree, version, capabilities),
// in a failure (signature, reason, excerpt), in a pause reason and in an
// exclusion's reason reach the human output of every view escaped: no raw
// ESC, BEL or C1 byte on stdout or stderr, and the visible "\x1b" form
// where the field is shown. The identity fields are appended to the log
// directly, as a server that accepted them once would have: the views
// must be safe whatever the log holds.
func TestTerminalEscapesShownEscaped(t *testing.T) {
	t.Parallel()
	f := newFarm(t)
	atoms := realAtoms(t, 60, 2)
	failed, other := atoms[0], atoms[1]
	f.addDrone("d1")
	f.addDrone("d2")
	hostileLog(t, filepath.Join(f.root, ".swarm"), failed, other)

	views := [][]string{
		{"drones"},
		{"log"},
		{"replay"},
		{"replay", "--explain", failed},
		{"status"},
		{"queue"},
		{"why", failed},
		{"why", other},
		{"exclude", "list"},
	}
	for _, args := range views {
		out, errOut, code := f.run(args...)
		name := "swarm " + strings.Join(args, " ")
		if code != 0 {
			t.Errorf("%s: exit %d: %s", name, code, errOut)
			continue
		}
		for _, s := range []struct{ stream, text string }{{"stdout", out}, {"stderr", errOut}} {
			if i := strings.IndexAny(s.text, "\x1b\x07\r\u009b"); i >= 0 {
				t.Errorf("%s: raw control %q on %s at %d:\n%s", name, s.text[i], s.stream, i, s.text)
			}
		}
		if !strings.Contains(out, `\x1b`) {
			t.Errorf("%s: no escaped \\x1b shown:\n%s", name, out)
		}
	}
	if out := f.swarm("log"); !strings.Contains(out, "drone_registered") || !strings.Contains(out, "failed") {
		t.Errorf("swarm log does not name the event types:\n%s", out)
	}
	// --json needs no help: encoding/json escapes every C0 control.
	for _, args := range [][]string{{"log", "--json"}, {"drones", "--json"}, {"queue", "--json"}, {"status", "--json"}} {
		out := f.swarm(args...)
		if strings.ContainsAny(out, "\x1b\x07\r") || !strings.Contains(out, `\u001b`) {
			t.Errorf("swarm %s: want every ESC as \\u001b and none raw:\n%q", strings.Join(args, " "), out)
		}
	}
}

// hostileLog writes, into the .swarm folder dir, two drones (d1's identity
// fields full of escapes), a failure of atom failed on d1 with a coloured
// excerpt, a pause and an exclusion of other, with escapes in their reasons.
func hostileLog(t *testing.T, dir, failed, other string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), cliTimeout)
	defer cancel()
	store, err := commands.OpenStore(dir, commands.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if _, err := store.Log().Append(ctx,
		events.Event{Type: events.TypeDroneRegistered, Actor: "d1", Drone: "d1", Cores: 4, MemoryMB: 8192,
			Capabilities: []string{escCap}, Version: escVersion, Tree: escTree, Health: escHealth, Count: 1},
		events.Event{Type: events.TypeDroneRegistered, Actor: "d2", Drone: "d2", Cores: 4, MemoryMB: 8192,
			Version: "1.0", Health: "healthy", Count: 1},
	); err != nil {
		t.Fatal(err)
	}
	exec := func(d commands.Decider) commands.Outcome {
		t.Helper()
		out, err := store.Execute(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	rules := commands.DefaultRules()
	exec(commands.Enqueue(commands.ActorOperator, []string{failed, other}))
	// The drone's hostile health keeps the dispatch rules from giving it
	// work; the story records the claim as if an older server had.
	st, err := store.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fence := st.Seq + 1
	if _, err := store.Log().Append(ctx, events.Event{Type: events.TypeClaimed, Actor: commands.ActorOrchestrator,
		Atom: failed, Drone: "d1", Fence: fence, Lease: rules.Lease, Attempt: 1}); err != nil {
		t.Fatal(err)
	}
	exec(commands.Fail(rules, time.Now(), "d1", failed, fence,
		commands.Failure{Signature: escSig, Reason: escReason, Excerpt: escExcerpt}))
	exec(commands.Exclude(commands.ActorOperator, other, "", escExclude))
	exec(commands.Pause(commands.ActorOperator, escPause))
}
