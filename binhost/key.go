package binhost

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/swarm-build/swarm/internal/atomicfile"
	"github.com/swarm-build/swarm/portage/gpkg"
)

// Modes of the binhost folder and the private key: the key signs what every
// client installs, so it is the operator's alone, whatever the umask. The
// packages folder is served over HTTP by the orchestrator, not by the file
// system, so it needs no wider mode either: its files are 0600 like
// everything else under .swarm.
const (
	DirMode  fs.FileMode = 0o700
	KeyMode  fs.FileMode = 0o600
	FileMode fs.FileMode = 0o600 // packages and the index
)

// KeyFile is the farm's private signing key in the binhost folder, armored.
const KeyFile = "signing-key.asc"

// KeyPath is the private key's path in the binhost folder dir.
func KeyPath(dir string) string { return filepath.Join(dir, KeyFile) }

// LoadKey reads the farm's signing key from the binhost folder dir.
func LoadKey(dir string) (*gpkg.Key, error) {
	data, err := os.ReadFile(KeyPath(dir))
	if err != nil {
		return nil, fmt.Errorf("binhost: signing key: %w", err)
	}
	k, err := gpkg.ReadKey(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("binhost: %s: %w", KeyPath(dir), err)
	}
	return k, nil
}

// EnsureKey returns the farm's signing key, creating the binhost folder (0700)
// and a new key (0600) named for farm when there is none: a farm made before
// the binhost existed gets its key on first use. created says whether it did.
func EnsureKey(dir, farm string, now time.Time) (k *gpkg.Key, created bool, err error) {
	k, err = LoadKey(dir)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return k, false, err
	}
	if err := os.MkdirAll(dir, DirMode); err != nil {
		return nil, false, fmt.Errorf("binhost: %w", err)
	}
	if err := os.Chmod(dir, DirMode); err != nil {
		return nil, false, fmt.Errorf("binhost: %w", err)
	}
	k, err = gpkg.GenerateKey(farm, "swarm@"+farm, now)
	if err != nil {
		return nil, false, err
	}
	var buf bytes.Buffer
	if err := k.WritePrivate(&buf); err != nil {
		return nil, false, fmt.Errorf("binhost: %w", err)
	}
	// Exclusive: two processes creating the key at once keep one key.
	f, err := os.OpenFile(KeyPath(dir)+".new", os.O_WRONLY|os.O_CREATE|os.O_EXCL, KeyMode)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			// Another process is creating it: cluster members share the
			// binhost folder and start together. Its key is the farm's.
			if k, err := waitForKey(dir, keyWait); err == nil {
				return k, false, nil
			}
			return nil, false, fmt.Errorf("binhost: another process is creating the signing key (%s.new) and none appeared within %v; remove that file if no swarm process is running", KeyPath(dir), keyWait)
		}
		return nil, false, fmt.Errorf("binhost: %w", err)
	}
	if _, err := f.Write(buf.Bytes()); err == nil {
		err = f.Sync()
	}
	if err != nil {
		atomicfile.Discard(f)
		return nil, false, fmt.Errorf("binhost: %w", err)
	}
	if err := os.Link(f.Name(), KeyPath(dir)); err != nil && !errors.Is(err, fs.ErrExist) {
		atomicfile.Discard(f)
		return nil, false, fmt.Errorf("binhost: %w", err)
	}
	atomicfile.Discard(f)
	if err := atomicfile.SyncDir(dir); err != nil {
		return nil, false, err
	}
	k, err = LoadKey(dir)
	return k, err == nil, err
}

// keyWait is how long EnsureKey waits for another process's key: making
// one takes well under a second.
var keyWait = 30 * time.Second

// waitForKey loads the key in dir once it appears, for up to wait (it is
// linked in whole, so one that appears is complete).
func waitForKey(dir string, wait time.Duration) (*gpkg.Key, error) {
	deadline := time.Now().Add(wait)
	for {
		k, err := LoadKey(dir)
		if err == nil || !errors.Is(err, fs.ErrNotExist) || time.Now().After(deadline) {
			return k, err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// PublicKey is the armored public half of k, as clients import it.
func PublicKey(k *gpkg.Key) ([]byte, error) {
	var buf bytes.Buffer
	if err := k.WritePublic(&buf); err != nil {
		return nil, fmt.Errorf("binhost: %w", err)
	}
	return buf.Bytes(), nil
}
