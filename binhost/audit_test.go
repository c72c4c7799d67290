package binhost_test

import (
	"bytes"
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/swarm-build/swarm/binhost"
	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/portage/gpkg"
	"github.com/swarm-build/swarm/projections"
)

const (
	helloAtom = "app-misc/hello-1.0"
	helloCPV  = "app-misc/hello-1.0"
)

// TestAudit damages a binhost of real promoted packages by hand, one way
// per case: verify names it, repair fixes what can be fixed, and verify
// is then clean but for what repair said it cannot fix.
func TestAudit(t *testing.T) {
	otherKey, err := gpkg.GenerateKey("someone else", "x@y", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		damage  func(f *farm, hello, greeter string)
		want    string // the problem kind
		path    func(hello string) string
		requeue bool   // repair queues hello again
		left    string // the problem repair cannot fix
	}{
		{name: "truncated", want: binhost.ProblemTruncated, requeue: true,
			damage: func(f *farm, hello, _ string) { must(t, os.Truncate(f.path(hello), 5000)) }},
		{name: "zero bytes", want: binhost.ProblemEmpty, requeue: true,
			damage: func(f *farm, hello, _ string) { must(t, os.Truncate(f.path(hello), 0)) }},
		{name: "missing", want: binhost.ProblemMissing, requeue: true,
			damage: func(f *farm, hello, _ string) { must(t, os.Remove(f.path(hello))) }},
		{name: "flipped byte", want: binhost.ProblemSignature, requeue: true,
			damage: func(f *farm, hello, _ string) { flip(t, f.path(hello), 3000) }},
		{name: "bad signature", want: binhost.ProblemSignature, requeue: true,
			damage: func(f *farm, hello, _ string) { resign(t, f.path(hello), otherKey) }},
		{name: "unknown file", want: binhost.ProblemUnknown, left: binhost.ProblemUnknown,
			path: func(string) string { return "packages/app-misc/hello/hello-1.0-9.gpkg.tar" },
			damage: func(f *farm, _, _ string) {
				must(t, os.WriteFile(f.path("app-misc/hello/hello-1.0-9.gpkg.tar"), []byte("x"), 0o644))
			}},
		{name: "index SIZE", want: binhost.ProblemIndex, path: func(string) string { return "packages/Packages" },
			damage: func(f *farm, hello, _ string) {
				editIndex(t, f, func(s string) string { return strings.Replace(s, "SIZE: 1", "SIZE: 9", 1) })
			}},
		{name: "index entry without a file", want: binhost.ProblemIndex, path: func(string) string { return "packages/Packages" },
			damage: func(f *farm, _, _ string) {
				editIndex(t, f, func(s string) string {
					return s + "BUILD_ID: 7\nCPV: app-misc/gone-1\nPATH: app-misc/gone/gone-1-7.gpkg.tar\nSIZE: 1\n\n"
				})
			}},
		{name: "file without an entry", want: binhost.ProblemIndex, path: func(string) string { return "packages/Packages" },
			damage: func(f *farm, hello, _ string) {
				editIndex(t, f, func(s string) string {
					blocks := strings.SplitAfter(s, "\n\n")
					blocks = slices.DeleteFunc(blocks, func(b string) bool { return strings.Contains(b, "PATH: "+hello+"\n") })
					return strings.Join(blocks, "")
				})
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFarm(t)
			hello := f.promote(helloAtom, helloCPV, "hello-1.0-1.gpkg.tar")
			greeter := f.promote("app-misc/greeter-2.1", "app-misc/greeter-2.1", "greeter-2.1-1.gpkg.tar")
			f.writeIndex()
			if rep := f.verify(); len(rep.Problems) != 0 || rep.Files != 2 || rep.Bytes < 2*10240 {
				t.Fatalf("before damage: %+v", rep)
			}
			tc.damage(f, hello, greeter)
			rep := f.verify()
			want := "packages/" + hello
			if tc.path != nil {
				want = tc.path(hello)
			}
			// An edited Packages also differs from Packages.gz: one more
			// index problem.
			at := slices.IndexFunc(rep.Problems, func(p binhost.Problem) bool { return p.Path == want })
			others := slices.ContainsFunc(rep.Problems, func(p binhost.Problem) bool { return p.Kind != tc.want })
			if at < 0 || others || (tc.want != binhost.ProblemIndex && len(rep.Problems) != 1) {
				t.Fatalf("verify found %v, want one %s at %s", rep.Problems, tc.want, want)
			}
			fixed, err := binhost.Repair(context.Background(), f.store, f.dir, commands.ActorOperator, rep)
			if err != nil {
				t.Fatal(err)
			}
			if got := slices.Equal(fixed.Requeued, []string{helloAtom}); got != tc.requeue {
				t.Errorf("repair requeued %v, want hello: %v", fixed.Requeued, tc.requeue)
			}
			if !fixed.Index {
				t.Error("repair did not rewrite the index")
			}
			after := f.verify()
			var kinds []string
			for _, p := range after.Problems {
				kinds = append(kinds, p.Kind)
			}
			if wantLeft := slices.DeleteFunc([]string{tc.left}, func(s string) bool { return s == "" }); !slices.Equal(kinds, wantLeft) {
				t.Errorf("after repair verify found %v, want %v", after.Problems, wantLeft)
			}
			if tc.requeue {
				if f.exists(hello) {
					t.Errorf("the damaged %s is still there", hello)
				}
				st, err := f.store.Load(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if p, _ := st.Package(helloAtom); p.State != projections.Needed {
					t.Errorf("hello is %v after repair, want needed", p.State)
				}
				if st.NextBuildID(helloCPV) != 2 {
					t.Errorf("next BUILD_ID %d after pruning build 1, want 2", st.NextBuildID(helloCPV))
				}
			}
		})
	}
}

// TestRetention keeps 2 of 4 builds of one CPV: the two oldest are pruned,
// and their files deleted only once an index without them is live.
func TestRetention(t *testing.T) {
	f := newFarm(t)
	var paths []string
	for range 4 {
		paths = append(paths, f.promote(helloAtom, helloCPV, "hello-1.0-1.gpkg.tar"))
	}
	f.promote("app-misc/greeter-2.1", "app-misc/greeter-2.1", "greeter-2.1-1.gpkg.tar")
	f.writeIndex()
	out, err := f.store.Execute(context.Background(), commands.Retain(2))
	if err != nil {
		t.Fatal(err)
	}
	var gone []string
	for _, e := range out.Events {
		if e.Type != events.TypePruned {
			t.Fatalf("retention appended %v", e.Type)
		}
		gone = append(gone, e.Path)
	}
	if slices.Sort(gone); !slices.Equal(gone, paths[:2]) {
		t.Fatalf("pruned %v, want the two oldest %v", gone, paths[:2])
	}
	st, _ := f.store.Load(context.Background())
	// The live index still lists them: sweeping now deletes nothing.
	if del, err := binhost.Sweep(f.dir, st.PrunedBuilds()); err != nil || len(del) != 0 || !f.exists(paths[0]) {
		t.Fatalf("sweep before the index: deleted %v (%v)", del, err)
	}
	f.writeIndex()
	for i, p := range paths {
		if f.exists(p) != (i >= 2) {
			t.Errorf("%s exists: %v", p, f.exists(p))
		}
	}
	data, err := os.ReadFile(f.path("Packages"))
	must(t, err)
	if bytes.Contains(data, []byte(paths[0])) || !bytes.Contains(data, []byte(paths[3])) {
		t.Errorf("index after retention:\n%s", data)
	}
	if u := st.BinhostUsage(); u.Builds != 3 || u.Pruned != 2 || u.Bytes < 3*10240 {
		t.Errorf("usage %+v", u)
	}
	if rep := f.verify(); len(rep.Problems) != 0 {
		t.Errorf("verify after retention: %v", rep.Problems)
	}
	if _, err := f.store.Execute(context.Background(), commands.Retain(0)); err == nil {
		t.Error("retain 0 accepted")
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func flip(t *testing.T, path string, at int64) {
	t.Helper()
	data, err := os.ReadFile(path)
	must(t, err)
	data[at] ^= 0x01
	must(t, os.WriteFile(path, data, 0o644))
}

// resign replaces the file with the same package signed by another key.
func resign(t *testing.T, path string, key *gpkg.Key) {
	t.Helper()
	data, err := os.ReadFile(path)
	must(t, err)
	var out bytes.Buffer
	if _, err := gpkg.Rewrite(&out, bytes.NewReader(data), gpkg.RewriteOptions{BuildID: 1, Key: key, Time: time.Now()}); err != nil {
		t.Fatal(err)
	}
	must(t, os.WriteFile(path, out.Bytes(), 0o644))
}

func editIndex(t *testing.T, f *farm, edit func(string) string) {
	t.Helper()
	data, err := os.ReadFile(f.path("Packages"))
	must(t, err)
	must(t, os.WriteFile(f.path("Packages"), []byte(edit(string(data))), 0o644))
}
