package e2e

import (
	"crypto/md5"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// checkPromoted checks that hello and greeter were promoted once each
// with a farm BUILD_ID, and that the live index lists them at those paths.
func checkPromoted(t *testing.T, f *farm) map[string]promotion {
	t.Helper()
	got := map[string]promotion{}
	for _, p := range f.promotions() {
		if _, dup := got[p.CPV]; dup {
			t.Errorf("%s promoted twice: each package is built once", p.CPV)
		}
		got[p.CPV] = p
	}
	for _, cpv := range []string{"app-misc/hello-1.0", "app-misc/greeter-2.1"} {
		p, ok := got[cpv]
		if !ok || p.BuildID < 1 || !strings.HasSuffix(p.Path, fmt.Sprintf("-%d.gpkg.tar", p.BuildID)) {
			t.Fatalf("promoted %s: %+v, want a BUILD_ID ≥ 1 in its file name; promoted: %+v", cpv, p, got)
		}
	}
	idx := f.waitIndexed(got)
	t.Logf("the live index:\n%s", idx)
	// The farm's tree (fresh --tree) is the header's REPO_REVISIONS, as
	// portage's bintree.py writes it; the client below installs from it.
	if head, _, _ := strings.Cut(idx, "\n\n"); !strings.Contains("\n"+head+"\n", "\nREPO_REVISIONS: {\"gentoo\": \"farm-1\"}\n") {
		t.Errorf("the live index's header does not name the tree farm-1 in REPO_REVISIONS:\n%s", head)
	}
	return got
}

// waitIndexed waits until the live /binhost/Packages lists every promoted
// package with its BUILD_ID and PATH, and returns it.
func (f *farm) waitIndexed(promoted map[string]promotion) string {
	f.t.Helper()
	var idx string
	f.waitFor(startTimeout, "the index to list the promoted packages", func() (bool, string) {
		idx = f.get("/binhost/Packages")
		listed := 0
		for _, block := range strings.Split(idx, "\n\n") {
			block += "\n"
			for _, p := range promoted {
				if strings.Contains(block, "\nCPV: "+p.CPV+"\n") && strings.Contains(block, "\nPATH: "+p.Path+"\n") &&
					strings.HasPrefix(block, fmt.Sprintf("BUILD_ID: %d\n", p.BuildID)) {
					listed++
				}
			}
		}
		return listed == len(promoted), idx
	})
	return idx
}

// get fetches a path of the orchestrator; it must answer 200.
func (f *farm) get(path string) string {
	f.t.Helper()
	c := http.Client{Timeout: cliTimeout}
	resp, err := c.Get(f.url + path)
	if err != nil {
		f.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		f.t.Fatalf("GET %s: %s %v", path, resp.Status, err)
	}
	return string(body)
}

// portageError is the first line of portage's own report of a build that
// died in src_compile.
const portageError = " * ERROR: app-misc/broken-0.1::farm failed (compile phase):"

// checkBroken checks that broken failed with portage's own error text in
// its failed events, and was never promoted.
func checkBroken(t *testing.T, f *farm) {
	t.Helper()
	n := 0
	for _, e := range f.rawEvents("failed") {
		if str(e, "atom") != "app-misc/broken-0.1" {
			t.Errorf("a failed event for %s: %v", str(e, "atom"), e)
			continue
		}
		n++
		if ex := str(e, "excerpt"); !strings.Contains(ex, portageError) || !strings.Contains(ex, "compile step failed on purpose") {
			t.Errorf("broken's failed event lacks portage's error text %q:\n%s", portageError, ex)
		}
	}
	if n == 0 {
		t.Error("no failed event for broken")
	}
	// The operator reads the same text from the log the drone sent,
	// without logging in to the drone: the error block by default, the
	// whole build with --full.
	out, errOut, code := f.run("logs", "app-misc/broken-0.1")
	if code != 0 || !strings.Contains(out, portageError) || !strings.Contains(out, "compile step failed on purpose") {
		t.Errorf("swarm logs app-misc/broken-0.1: exit %d, want portage's error block:\n%s%s", code, out, errOut)
	}
	full, errOut, code := f.run("logs", "app-misc/broken-0.1", "--full")
	if code != 0 || !strings.Contains(full, ">>> Emerging (1 of 1) app-misc/broken-0.1::farm") || len(full) <= len(out) {
		t.Errorf("swarm logs --full: exit %d, want the whole build log:\n%s%s", code, full, errOut)
	}
}

// checkGreeterFetchedHello checks that greeter's build, in a prefix where
// nothing was installed, took hello from the farm's binhost (verified by
// its signature) rather than building it.
func checkGreeterFetchedHello(t *testing.T, f *farm) {
	t.Helper()
	logs, _ := filepath.Glob(filepath.Join(f.root, "builds", "*", "app-misc_greeter-2.1.*.log"))
	if len(logs) != 1 {
		t.Fatalf("greeter's build logs: %v, want one", logs)
	}
	data, err := os.ReadFile(logs[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{">>> Emerging binary (1 of 2) app-misc/hello-1.0::farm", "hello-1.0-", "MD5 SHA1 size ;-)",
		">>> Completed (2 of 2) app-misc/greeter-2.1::farm"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("greeter's build log lacks %q: hello was not fetched from the farm:\n%s", want, data)
		}
	}
}

// checkClient sets a stock portage client up with nothing but what
// `swarm binhost client-config` prints (plus the prefix basics), installs
// greeter and hello from the farm, then points it at altered copies of the
// binhost and checks that it refuses each.
func checkClient(t *testing.T, f *farm, rp *realPortage, promoted map[string]promotion) {
	t.Helper()
	ep := rp.prefix(t, "client", fmt.Sprintf(`BINPKG_GPG_VERIFY_GPG_HOME="%s/etc/portage/gnupg"`, filepath.Join(rp.work, "client")),
		`PORTAGE_TRUST_HELPER="/bin/true"`)
	paste := f.swarm("binhost", "client-config", "--name", "farm-binhost")
	sh := exec.Command("sh", "-c", paste)
	sh.Env = append(os.Environ(), "EPREFIX="+ep)
	if out, err := sh.CombinedOutput(); err != nil {
		t.Fatalf("the pasted client-config failed: %v\n%s\n--- it was:\n%s", err, out, paste)
	}
	out, err := rp.try(ep, "emerge", "--getbinpkgonly", "--usepkgonly", "app-misc/greeter")
	if err != nil {
		t.Fatalf("the client's emerge --getbinpkgonly --usepkgonly app-misc/greeter: %v\n%s", err, out)
	}
	t.Logf("client install:\n%s", grepLines(out, ">>> Emerging", ";-)", ">>> Completed"))
	for _, p := range []string{"usr/share/hello/hello.txt", "usr/bin/greeter", "var/db/pkg/app-misc/hello-1.0/CONTENTS",
		"var/db/pkg/app-misc/greeter-2.1/CONTENTS"} {
		if _, err := os.Stat(filepath.Join(ep, p)); err != nil {
			t.Errorf("the client lacks %s after installing: %v", p, err)
		}
	}
	for cpv, p := range promoted {
		id, _ := os.ReadFile(filepath.Join(ep, "var", "db", "pkg", cpv, "BUILD_ID"))
		if strings.TrimSpace(string(id)) != strconv.FormatUint(p.BuildID, 10) {
			t.Errorf("%s installed with BUILD_ID %q, the farm gave %d", cpv, id, p.BuildID)
		}
	}
	checkRefusals(t, f, rp, ep, promoted["app-misc/hello-1.0"])
}

// A refusal case: the binhost copy's change, and what portage must say.
var refusals = []struct {
	name string
	edit func(t *testing.T, dir string, hello promotion)
	want []string
}{
	{"body changed after promotion, index re-hashed", tamperImage,
		[]string{"BAD signature from", "GnuPG verification failed", ">>> Failed to emerge app-misc/hello-1.0"}},
	{"index SIZE wrong", func(t *testing.T, dir string, hello promotion) {
		editEntry(t, dir, hello, `(?m)^SIZE: (\d+)$`, func(m []string) string {
			n, _ := strconv.Atoi(m[1])
			return fmt.Sprintf("SIZE: %d", n+1)
		})
	}, []string{"!!! Digest verification failed:", "!!! Reason: Failed on size verification"}},
	{"index SHA1 wrong", func(t *testing.T, dir string, hello promotion) {
		editEntry(t, dir, hello, `(?m)^SHA1: \w+$`, func([]string) string { return "SHA1: " + strings.Repeat("0", 40) })
	}, []string{"!!! Digest verification failed:", "!!! Reason: Failed on SHA1 verification"}},
}

// checkRefusals points the client at altered copies of the live binhost,
// one at a time, and has it reinstall hello: each must fail with
// portage's message, and hello stays as it was installed.
func checkRefusals(t *testing.T, f *farm, rp *realPortage, ep string, hello promotion) {
	conf := filepath.Join(ep, "etc", "portage", "binrepos.conf")
	pasted, err := os.ReadFile(conf)
	if err != nil {
		t.Fatal(err)
	}
	counter := filepath.Join(ep, "var", "db", "pkg", hello.CPV, "COUNTER")
	before, err := os.ReadFile(counter)
	if err != nil {
		t.Fatal(err)
	}
	// One server, a folder per case: portage caches a remote index by host
	// and path (not port), so each case needs a path of its own.
	bad := filepath.Join(rp.work, "bad")
	srv := httptest.NewServer(http.FileServer(http.Dir(bad)))
	defer srv.Close()
	for i, c := range refusals {
		name := fmt.Sprintf("case-%d", i)
		dir := filepath.Join(bad, name)
		f.copyBinhost(dir, hello)
		c.edit(t, dir, hello)
		alt := strings.Replace(string(pasted), f.url+"/binhost", srv.URL+"/"+name, 1)
		if alt == string(pasted) {
			t.Fatalf("binrepos.conf does not hold the farm's URL %s/binhost:\n%s", f.url, pasted)
		}
		if err := os.WriteFile(conf, []byte(alt), 0o644); err != nil {
			t.Fatal(err)
		}
		// Forget what the client fetched from the good binhost.
		if err := os.RemoveAll(filepath.Join(ep, "var", "cache", "binhost")); err != nil {
			t.Fatal(err)
		}
		out, err := rp.try(ep, "emerge", "--getbinpkgonly", "--usepkgonly", "--oneshot", "="+hello.CPV)
		if err == nil {
			t.Errorf("%s: the client installed hello:\n%s", c.name, out)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: portage's output lacks %q:\n%s", c.name, w, out)
			}
		}
		t.Logf("%s: refused:\n%s", c.name, grepLines(out, "!!!", "BAD", ">>> Failed"))
		if after, _ := os.ReadFile(counter); string(after) != string(before) {
			t.Errorf("%s: hello was installed again (COUNTER %q → %q)", c.name, before, after)
		}
	}
}

// copyBinhost copies the live binhost's Packages and hello's file, as
// served, into dir.
func (f *farm) copyBinhost(dir string, hello promotion) {
	f.t.Helper()
	for _, rel := range []string{"Packages", hello.Path} {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			f.t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(f.get("/binhost/"+rel)), 0o644); err != nil {
			f.t.Fatal(err)
		}
	}
}

// editEntry rewrites hello's entry in dir/Packages: every match of re in
// it is replaced by repl of the match's groups.
func editEntry(t *testing.T, dir string, hello promotion, re string, repl func([]string) string) {
	t.Helper()
	path := filepath.Join(dir, "Packages")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	blocks := strings.Split(string(data), "\n\n")
	rx := regexp.MustCompile(re)
	found := false
	for i, b := range blocks {
		if strings.Contains(b, "\nPATH: "+hello.Path+"\n") || strings.HasSuffix(b, "\nPATH: "+hello.Path) {
			blocks[i] = rx.ReplaceAllStringFunc(b, func(s string) string { return repl(rx.FindStringSubmatch(s)) })
			found = blocks[i] != b
		}
	}
	if !found {
		t.Fatalf("no change of %s made in hello's entry of:\n%s", re, data)
	}
	if err := os.WriteFile(path, []byte(strings.Join(blocks, "\n\n")), 0o644); err != nil {
		t.Fatal(err)
	}
}

// tamperImage flips bytes in the data of hello's image.tar.zst member, and
// re-hashes MD5 and SHA1 in the index (SIZE is unchanged), so that only
// the package's signature can catch it.
func tamperImage(t *testing.T, dir string, hello promotion) {
	t.Helper()
	path := filepath.Join(dir, filepath.FromSlash(hello.Path))
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(string(data), "/image.tar.zst\x00")
	if i < 0 {
		t.Fatalf("%s has no image.tar.zst member", path)
	}
	at := (i/512)*512 + 512 + 20 // into the member's data, past its tar header
	data[at] ^= 0xff
	data[at+1] ^= 0xff
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	m, s := md5.Sum(data), sha1.Sum(data)
	editEntry(t, dir, hello, `(?m)^MD5: \w+$`, func([]string) string { return "MD5: " + hex.EncodeToString(m[:]) })
	editEntry(t, dir, hello, `(?m)^SHA1: \w+$`, func([]string) string { return "SHA1: " + hex.EncodeToString(s[:]) })
}

// grepLines returns the lines of out holding any of subs.
func grepLines(out string, subs ...string) string {
	var b strings.Builder
	for line := range strings.Lines(out) {
		for _, s := range subs {
			if strings.Contains(line, s) {
				b.WriteString(line)
				break
			}
		}
	}
	return b.String()
}
