package binhost

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
)

func TestEnsureKeyCreatesOnceWithModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "binhost")
	k, created, err := EnsureKey(dir, "test farm", time.Now())
	if err != nil || !created {
		t.Fatalf("EnsureKey = %v, created %v", err, created)
	}
	for path, want := range map[string]os.FileMode{dir: DirMode, KeyPath(dir): KeyMode} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s: mode %v, want %v", path, got, want)
		}
	}
	again, created, err := EnsureKey(dir, "other", time.Now())
	if err != nil || created {
		t.Fatalf("second EnsureKey = %v, created %v", err, created)
	}
	if again.Fingerprint() != k.Fingerprint() {
		t.Errorf("second EnsureKey made a new key %s, want %s", again.Fingerprint(), k.Fingerprint())
	}
	pub, err := PublicKey(k)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(pub, []byte("PRIVATE")) {
		t.Fatal("public key holds the private key")
	}
	list, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(pub))
	if err != nil || len(list) != 1 || list[0].PrivateKey != nil {
		t.Fatalf("public key reads as %d keys (err %v)", len(list), err)
	}
}

func TestClientConfig(t *testing.T) {
	got := ClientConfig("farm", "http://h:1/binhost", "ABCD", []byte("-----BEGIN PGP PUBLIC KEY BLOCK-----\nx\n-----END PGP PUBLIC KEY BLOCK-----\n"))
	for _, want := range []string{
		"[farm]\npriority = 10\nsync-uri = http://h:1/binhost\nverify-signature = true\n",
		"--import <<'SWARM_KEY'\n-----BEGIN PGP PUBLIC KEY BLOCK-----\nx\n-----END PGP PUBLIC KEY BLOCK-----\nSWARM_KEY\n",
		"echo 'ABCD:6:' | gpg --homedir \"$home\" --batch --import-ownertrust\n",
		"--check-trustdb",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("client config lacks %q:\n%s", want, got)
		}
	}
}

// While another process creates the key (its .new file exists), EnsureKey
// waits for that key and returns it, as cluster members sharing the
// binhost folder do when they start together; a .new that no key follows
// within the wait is refused in one line that says what to do.
func TestEnsureKeyWaitsForAnotherProcesssKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "binhost")
	if err := os.MkdirAll(dir, DirMode); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(KeyPath(dir)+".new", nil, KeyMode); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(t.TempDir(), "other")
	theirs, _, err := EnsureKey(other, "test farm", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(200 * time.Millisecond) // the other process finishes
		data, _ := os.ReadFile(KeyPath(other))
		os.WriteFile(KeyPath(dir)+".tmp", data, KeyMode)
		os.Rename(KeyPath(dir)+".tmp", KeyPath(dir))
	}()
	k, created, err := EnsureKey(dir, "test farm", time.Now())
	if err != nil || created || k.Fingerprint() != theirs.Fingerprint() {
		t.Fatalf("EnsureKey = %v, created %v: want the other process's key", err, created)
	}

	stale := filepath.Join(t.TempDir(), "stale")
	if err := os.MkdirAll(stale, DirMode); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(KeyPath(stale)+".new", nil, KeyMode); err != nil {
		t.Fatal(err)
	}
	defer func(w time.Duration) { keyWait = w }(keyWait)
	keyWait = 100 * time.Millisecond
	_, _, err = EnsureKey(stale, "test farm", time.Now())
	if err == nil || !strings.Contains(err.Error(), "remove that file") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("EnsureKey over a stale .new = %v", err)
	}
}
