package orchestrator

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/swarm-build/swarm/api"
	"github.com/swarm-build/swarm/binhost"
	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/portage/gpkg"
	"github.com/swarm-build/swarm/projections"
)

var testKey = sync.OnceValue(func() *gpkg.Key {
	k, err := gpkg.GenerateKey("test farm", "test@farm", time.Now())
	if err != nil {
		panic(err)
	}
	return k
})

func realPkg(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "portage", "gpkg", "testdata", "real", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// claimFor registers drone id and gives it a claim on atom; the fence.
func (ts *testServer) claimFor(id, atom string) uint64 {
	ts.t.Helper()
	ctx := context.Background()
	if _, err := ts.store.Execute(ctx, commands.Register(commands.DroneInfo{ID: id, Cores: 2}, nil, nil)); err != nil {
		ts.t.Fatal(err)
	}
	out, err := ts.store.Execute(ctx, commands.Claim(commands.DefaultRules(), time.Now(), id, atom))
	if err != nil {
		ts.t.Fatal(err)
	}
	return out.Events[0].Fence
}

func sum(b []byte) string { h := sha256.Sum256(b); return hex.EncodeToString(h[:]) }

// upload posts body as drone id's package of atom, announcing sha and size.
func (ts *testServer) upload(id, atom string, fence uint64, body []byte, sha string, size int) (int, []byte) {
	ts.t.Helper()
	url := fmt.Sprintf("%s%s?atom=%s&fence=%d&name=x.gpkg.tar&sha256=%s&size=%d", ts.url, api.DronePath(id, api.VerbBinpkg), atom, fence, sha, size)
	req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer token-"+id)
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		ts.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// packageFiles lists the files under packages/ but the index.
func (ts *testServer) packageFiles() []string {
	var out []string
	root := filepath.Join(ts.dir, "binhost", binhost.PackagesDir)
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasPrefix(strings.TrimPrefix(d.Name(), "."), binhost.IndexFile) {
			rel, _ := filepath.Rel(root, p)
			out = append(out, rel)
		}
		return nil
	})
	return out
}

func TestBinpkgPromotedWithFarmBuildIDs(t *testing.T) {
	ts := startServer(t, nil, "a")
	const atom = "app-misc/hello-1.0"
	ts.enqueue(atom)
	body := realPkg(t, "hello-1.0-1.gpkg.tar")
	for want := uint64(1); want <= 2; want++ {
		fence := ts.claimFor("a", atom)
		code, out := ts.upload("a", atom, fence, body, sum(body), len(body))
		if code != http.StatusOK {
			t.Fatalf("upload %d: %d %s", want, code, out)
		}
		var ans api.BinpkgAnswer
		if err := json.Unmarshal(out, &ans); err != nil {
			t.Fatal(err)
		}
		wantPath := fmt.Sprintf("packages/app-misc/hello/hello-1.0-%d.gpkg.tar", want)
		if ans.BuildID != want || ans.Path != wantPath {
			t.Fatalf("answer %+v, want BUILD_ID %d at %s", ans, want, wantPath)
		}
		signed, err := os.ReadFile(filepath.Join(ts.dir, "binhost", filepath.FromSlash(ans.Path)))
		if err != nil {
			t.Fatal(err)
		}
		if sum(signed) != ans.SHA256 {
			t.Fatal("answer's sha256 is not the file's")
		}
		p, err := gpkg.Read(bytes.NewReader(signed), &gpkg.Options{Keyring: testKey().Keyring()})
		if err != nil || p.BuildID() != int(want) || p.Signer != testKey().Fingerprint() {
			t.Fatalf("promoted file: %v (BUILD_ID %v)", err, p)
		}
		// The build completes, so the next claim is a rebuild.
		if _, err := ts.store.Execute(context.Background(), commands.Complete("a", atom, fence, commands.Binpkg{})); err != nil {
			t.Fatal(err)
		}
		if _, err := ts.store.Execute(context.Background(), commands.Enqueue(commands.ActorOperator, []string{atom})); err != nil {
			t.Fatal(err)
		}
		requeue(t, ts, atom)
	}
	var promoted []events.Event
	ts.store.Read(context.Background(), func(st *projections.State) {
		for _, b := range st.Builds() {
			promoted = append(promoted, events.Event{BuildID: b.BuildID, SHA256: b.SHA256})
		}
	})
	if len(promoted) != 2 {
		t.Fatalf("builds: %+v", promoted)
	}
}

// requeue puts a built atom back to needed (a fresh wants it again).
func requeue(t *testing.T, ts *testServer, atom string) {
	t.Helper()
	st, _ := ts.store.Load(context.Background())
	if p, _ := st.Package(atom); p.State == projections.Needed {
		return
	}
	_, err := ts.store.Execute(context.Background(), func(st *projections.State) ([]events.Event, error) {
		return []events.Event{{Type: events.TypeDequeued, Actor: "operator", Atom: atom},
			{Type: events.TypeEnqueued, Actor: "operator", Atom: atom}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestBinpkgRejections(t *testing.T) {
	good := realPkg(t, "hello-1.0-1.gpkg.tar")
	greeter := realPkg(t, "greeter-2.1-1.gpkg.tar")
	badManifest := bytes.Clone(good)
	// Flip a byte inside the image member's data: the Manifest no longer matches.
	// The member's tar header starts at its name; its data 512 bytes on.
	if i := bytes.Index(badManifest, []byte("hello-1.0-1/image.tar")); i > 0 {
		badManifest[i+512+10] ^= 0xff
	}
	tests := []struct {
		name, check string
		body        []byte
		sha         string
		size        int
		atom        string
	}{
		{"wrong sha256", "sha256", good, sum(greeter), len(good), "app-misc/hello-1.0"},
		{"wrong size", "size", good, sum(good), len(good) + 1, "app-misc/hello-1.0"},
		{"zero bytes", "empty", nil, sum(nil), 0, "app-misc/hello-1.0"},
		{"truncated", "gpkg", good[:len(good)/2], sum(good[:len(good)/2]), len(good) / 2, "app-misc/hello-1.0"},
		{"manifest mismatch", "manifest", badManifest, sum(badManifest), len(badManifest), "app-misc/hello-1.0"},
		{"cpv is not the atom", "cpv", greeter, sum(greeter), len(greeter), "app-misc/hello-1.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startServer(t, nil, "a")
			ts.enqueue(tt.atom)
			fence := ts.claimFor("a", tt.atom)
			code, out := ts.upload("a", tt.atom, fence, tt.body, tt.sha, tt.size)
			if code != http.StatusUnprocessableEntity || !strings.Contains(string(out), api.CodeRejected) {
				t.Fatalf("answer %d %s, want 422 rejected", code, out)
			}
			st, _ := ts.store.Load(context.Background())
			if p, _ := st.Package(tt.atom); p.State != projections.Needed {
				t.Errorf("package %s after a rejection, want needed", p.State)
			}
			var rejected *events.Event
			for e, err := range ts.store.Log().Events(context.Background(), 1) {
				if err != nil {
					t.Fatal(err)
				}
				if e.Type == events.TypeRejected {
					c := *e
					rejected = &c
				}
			}
			if rejected == nil || rejected.Signature != tt.check || rejected.Reason == "" {
				t.Fatalf("rejected event %+v, want check %q", rejected, tt.check)
			}
			if files := ts.packageFiles(); len(files) != 0 {
				t.Errorf("files under packages/: %v", files)
			}
			if staged, _ := os.ReadDir(filepath.Join(ts.dir, "binhost", binhost.StagingDir)); len(staged) != 0 {
				t.Errorf("staging not emptied: %v", staged)
			}
		})
	}
}

func TestBinpkgStaleFence(t *testing.T) {
	ts := startServer(t, nil, "a")
	const atom = "app-misc/hello-1.0"
	ts.enqueue(atom)
	fence := ts.claimFor("a", atom)
	body := realPkg(t, "hello-1.0-1.gpkg.tar")
	seq := ts.seq()
	code, out := ts.upload("a", atom, fence+1, body, sum(body), len(body))
	if code != http.StatusConflict || !strings.Contains(string(out), api.CodeStaleFence) {
		t.Fatalf("answer %d %s, want 409 stale_fence", code, out)
	}
	if ts.seq() != seq {
		t.Error("a stale upload appended")
	}
	if files := ts.packageFiles(); len(files) != 0 {
		t.Errorf("files under packages/: %v", files)
	}
	// Bad queries are 400, a wrong token 401.
	if code, _ := ts.upload("a", atom, fence, body, "XYZ", len(body)); code != http.StatusBadRequest {
		t.Errorf("bad sha256: %d, want 400", code)
	}
	if code, _ := ts.upload("nobody", atom, fence, body, sum(body), len(body)); code != http.StatusUnauthorized {
		t.Errorf("unknown drone: %d, want 401", code)
	}
}
