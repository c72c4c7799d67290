package main

import (
	"context"
	"path/filepath"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/swarm-build/swarm/binhost"
	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/config"
)

// cmdPromote promotes a real package into the farm's binhost the way the
// orchestrator does (a claim, sign and publish with the farm's key, the
// promoted event, completed) and writes the index:
//
//	promote ATOM FIXTURE
//
// FIXTURE is a file of portage/gpkg/testdata/real; ATOM its CPV.
func cmdPromote(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: promote ATOM FIXTURE")
	}
	ctx := context.Background()
	state := stateOf(ts)
	store, err := commands.OpenStore(state, commands.StoreOptions{})
	ts.Check(err)
	defer store.Close()
	ex := func(d commands.Decider) commands.Outcome {
		out, err := store.Execute(ctx, d)
		ts.Check(err)
		return out
	}
	atom := args[0]
	ex(commands.Register(commands.DroneInfo{ID: "promoter", Cores: 1}, nil, nil))
	ex(commands.Enqueue(commands.ActorOperator, []string{atom}))
	fence := ex(commands.Claim(commands.DefaultRules(), time.Now(), "promoter", atom)).Events[0].Fence
	st, err := store.Load(ctx)
	ts.Check(err)
	id := st.NextBuildID(atom)
	dir := config.Default().BinhostDir(state)
	key, err := binhost.LoadKey(dir)
	ts.Check(err)
	src := filepath.Join("..", "..", "portage", "gpkg", "testdata", "real", args[1])
	p, err := binhost.Promote(dir, src, atom, id, key, time.Now())
	ts.Check(err)
	ex(commands.Promote("promoter", atom, fence, commands.Promotion{CPV: atom, BuildID: id, Path: p.Path,
		FileSHA256: p.SHA256, Size: uint64(p.Size), Entry: p.Entry}))
	ex(commands.Complete("promoter", atom, fence, commands.Binpkg{SHA256: p.SHA256, Size: uint64(p.Size)}))
	_, err = binhost.Repair(ctx, store, dir, commands.ActorOperator, binhost.AuditReport{})
	ts.Check(err)
}
