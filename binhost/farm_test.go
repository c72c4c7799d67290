package binhost_test

import (
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/swarm-build/swarm/binhost"
	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/portage/gpkg"
)

var farmKey = sync.OnceValue(func() *gpkg.Key {
	k, err := gpkg.GenerateKey("test farm", "test@farm", time.Now())
	if err != nil {
		panic(err)
	}
	return k
})

// farm is a state folder with a binhost made by promoting real packages
// the way the orchestrator does: a claim, Promote, the promoted event.
type farm struct {
	t     *testing.T
	store *commands.Store
	dir   string // the binhost folder
}

func newFarm(t *testing.T) *farm {
	t.Helper()
	state := t.TempDir()
	store, err := commands.OpenStore(state, commands.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	f := &farm{t: t, store: store, dir: filepath.Join(state, "binhost")}
	if _, err := store.Execute(context.Background(), commands.Register(commands.DroneInfo{ID: "d1", Cores: 2}, nil, nil)); err != nil {
		t.Fatal(err)
	}
	return f
}

// promote builds atom (its real fixture file name) once more: enqueue,
// claim, sign and publish, record. It returns the published path.
func (f *farm) promote(atom, cpv, fixture string) string {
	f.t.Helper()
	return f.promoteDamaged(atom, cpv, fixture, nil)
}

// promoteDamaged is promote with damage done to the published file before
// its promotion is recorded (a buggy signer): the event's size, hashes and
// index entry describe the damaged file.
func (f *farm) promoteDamaged(atom, cpv, fixture string, damage func(path string)) string {
	f.t.Helper()
	ctx := context.Background()
	ex := func(d commands.Decider) commands.Outcome {
		out, err := f.store.Execute(ctx, d)
		if err != nil {
			f.t.Fatal(err)
		}
		return out
	}
	ex(commands.Enqueue(commands.ActorOperator, []string{atom}))
	fence := ex(commands.Claim(commands.DefaultRules(), time.Now(), "d1", atom)).Events[0].Fence
	st, err := f.store.Load(ctx)
	if err != nil {
		f.t.Fatal(err)
	}
	id := st.NextBuildID(cpv)
	src := filepath.Join("..", "portage", "gpkg", "testdata", "real", fixture)
	p, err := binhost.Promote(f.dir, src, cpv, id, farmKey(), time.Now())
	if err != nil {
		f.t.Fatal(err)
	}
	if damage != nil {
		damage(f.path(p.Path))
		p = f.describe(p)
	}
	ex(commands.Promote("d1", atom, fence, commands.Promotion{CPV: cpv, BuildID: id, Path: p.Path,
		FileSHA256: p.SHA256, Size: uint64(p.Size), Entry: p.Entry}))
	ex(commands.Complete("d1", atom, fence, commands.Binpkg{SHA256: p.SHA256, Size: uint64(p.Size)}))
	return p.Path
}

// writeIndex writes the index from the events, as the server does.
func (f *farm) writeIndex() {
	f.t.Helper()
	if _, err := binhost.Repair(context.Background(), f.store, f.dir, commands.ActorOperator, binhost.AuditReport{}); err != nil {
		f.t.Fatal(err)
	}
}

func (f *farm) verify() binhost.AuditReport {
	f.t.Helper()
	rep, err := binhost.Verify(context.Background(), f.store, f.dir, farmKey(), nil)
	if err != nil {
		f.t.Fatal(err)
	}
	return rep
}

func (f *farm) path(rel string) string {
	return filepath.Join(f.dir, binhost.PackagesDir, filepath.FromSlash(rel))
}

func (f *farm) exists(rel string) bool {
	_, err := os.Stat(f.path(rel))
	return err == nil
}

// describe returns p with the size and hashes of its file as it now is.
func (f *farm) describe(p binhost.Promoted) binhost.Promoted {
	f.t.Helper()
	data, err := os.ReadFile(f.path(p.Path))
	if err != nil {
		f.t.Fatal(err)
	}
	s256, s1, m5 := sha256.Sum256(data), sha1.Sum(data), md5.Sum(data)
	p.SHA256, p.Size = hex.EncodeToString(s256[:]), int64(len(data))
	fields := map[string]string{"SIZE": strconv.Itoa(len(data)), "SHA1": hex.EncodeToString(s1[:]), "MD5": hex.EncodeToString(m5[:])}
	lines := strings.Split(p.Entry, "\n")
	for i, l := range lines {
		if k, _, ok := strings.Cut(l, ": "); ok && fields[k] != "" {
			lines[i] = k + ": " + fields[k]
		}
	}
	p.Entry = strings.Join(lines, "\n")
	return p
}
