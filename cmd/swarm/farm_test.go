package main

import (
	"context"
	"fmt"
	"strconv"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/projections"
)

// cmdFarm plays the orchestrator and drones of a script's farm, through the
// real deciders, so replay and log have a realistic story to show before
// `swarm serve` and `swarm drone` exist:
//
//	farm register DRONE CORES
//	farm health DRONE HEALTH
//	farm claim DRONE ATOM
//	farm renew DRONE ATOM
//	farm fail DRONE ATOM SIGNATURE REASON
//	farm return DRONE ATOM REASON
//	farm reclaim ATOM REASON
//	farm complete DRONE ATOM
//
// It works on $WORK/.swarm.
func cmdFarm(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: farm VERB ARG...")
	}
	ctx := context.Background()
	store, err := commands.OpenStore(stateOf(ts), commands.StoreOptions{})
	ts.Check(err)
	defer store.Close()
	if args[0] == "register" {
		ts.Check(register(ctx, store, args[1:]))
		return
	}
	if args[0] == "health" && len(args) == 3 {
		_, err := store.Log().Append(ctx, events.Event{Type: events.TypeDroneHealth, Actor: args[1],
			Drone: args[1], Health: args[2], CPUPercent: 12.5})
		ts.Check(err)
		return
	}
	if args[0] == "built" && len(args) == 3 {
		ts.Check(appendBuilt(ctx, store, args[1], args[2]))
		return
	}
	d, err := farmDecider(args)
	ts.Check(err)
	_, err = store.Execute(ctx, d)
	ts.Check(err)
}

// register appends a drone_registered event (no decider makes one yet).
func register(ctx context.Context, store *commands.Store, args []string) error {
	if len(args) != 2 {
		return fmt.Errorf("usage: farm register DRONE CORES")
	}
	cores, err := strconv.ParseUint(args[1], 10, 32)
	if err != nil {
		return err
	}
	_, err = store.Log().Append(ctx, events.Event{Type: events.TypeDroneRegistered, Actor: args[0],
		Drone: args[0], Cores: uint32(cores), MemoryMB: 32768, Version: "dev"})
	return err
}

// appendBuilt appends a claim and a completed event of atom by drone as a log written
// by something other than swarm's rules may hold it: whatever the queue
// says of atom (a field log's second build of a package built already).
func appendBuilt(ctx context.Context, store *commands.Store, drone, atom string) error {
	_, err := store.Log().Append(ctx,
		events.Event{Type: events.TypeClaimed, Actor: commands.ActorOrchestrator, Drone: drone, Atom: atom, Fence: 1 << 40},
		events.Event{Type: events.TypeCompleted, Actor: drone, Drone: drone, Atom: atom, Fence: 1 << 40})
	return err
}

// farmDecider returns the decider for a farm command; the fence is the
// package's current one, as its drone would know it.
func farmDecider(args []string) (commands.Decider, error) {
	r := commands.DefaultRules()
	want := map[string]int{"claim": 3, "renew": 3, "fail": 5, "return": 4, "reclaim": 3, "complete": 3}
	if n, ok := want[args[0]]; !ok || len(args) != n {
		return nil, fmt.Errorf("farm %s: unknown verb or wrong number of arguments", args[0])
	}
	if args[0] == "claim" {
		return recordClaim(r, args[1], args[2]), nil
	}
	if args[0] == "reclaim" {
		return commands.Reclaim(args[1], args[2]), nil
	}
	drone, atom := args[1], args[2]
	return func(st *projections.State) ([]events.Event, error) {
		p, _ := st.Package(atom)
		var d commands.Decider
		switch args[0] {
		case "renew":
			d = commands.Renew(r, drone, atom, p.Fence)
		case "fail":
			d = commands.Fail(r, st.Time, drone, atom, p.Fence, commands.Failure{Signature: args[3], Reason: args[4],
				Excerpt: "emerge: there are no ebuilds to satisfy \"dev-libs/libfoo\"\n * ERROR: " + atom + " failed (compile phase)"})
		case "return":
			d = commands.Return(drone, atom, p.Fence, args[3])
		case "complete":
			d = commands.Complete(drone, atom, p.Fence, commands.Binpkg{})
		}
		return d(st)
	}, nil
}

// recordClaim writes a claim as a script's story has it, whatever the
// dispatch rules would say (a story may give a drone back a package it
// failed): a fixture of history, not a decision.
func recordClaim(r commands.Rules, drone, atom string) commands.Decider {
	return func(st *projections.State) ([]events.Event, error) {
		p, ok := st.Package(atom)
		if !ok || p.State != projections.Needed {
			return nil, fmt.Errorf("claim %s: %w", atom, commands.ErrNotNeeded)
		}
		return []events.Event{{Type: events.TypeClaimed, Actor: commands.ActorOrchestrator, Atom: atom, Drone: drone,
			Fence: st.Seq + 1, Lease: r.Lease, Attempt: p.Attempts + 1}}, nil
	}
}
