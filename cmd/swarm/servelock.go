package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/swarm-build/swarm/internal/flock"
)

// Modes of everything under the state folder: it holds the farm's history,
// drone token hashes and the server's address, so it is the operator's
// alone, whatever the umask.
const (
	stateDirMode  fs.FileMode = 0o700
	stateFileMode fs.FileMode = 0o600
)

// serveLockFile is flocked by `swarm serve` for its whole life. The lock,
// not serve.json, says whether a server runs: a server killed with -9
// leaves serve.json behind, but the kernel drops its lock.
const serveLockFile = "serve.lock"

// errServing: another `swarm serve` holds the state folder.
var errServing = errors.New("another swarm serve is running on this state folder")

// lockServe takes the serve lock of the state folder dir without waiting
// and writes this process's pid into it (for a rival that comes before
// serve.json exists). Closing the file releases the lock. A rival gets an
// error wrapping errServing that names the holder's pid and address; the
// holder's files are not touched.
func lockServe(dir string) (*flock.File, error) {
	path := filepath.Join(dir, serveLockFile)
	l, err := flock.Open(path)
	if err != nil {
		return nil, fmt.Errorf("serve: %w", err)
	}
	err = l.TryLock()
	if errors.Is(err, flock.ErrLocked) {
		l.Close()
		return nil, fmt.Errorf("serve: %w: %s; stop it first", errServing, describeHolder(dir))
	}
	if err != nil {
		l.Close()
		return nil, fmt.Errorf("serve: %w", err)
	}
	f := l.OS()
	if err := f.Truncate(0); err == nil {
		_, err = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	if err != nil {
		l.Close()
		return nil, fmt.Errorf("serve: write %s: %w", path, err)
	}
	return l, nil
}

// describeHolder names the running server: pid and URL from serve.json
// when it is the lock holder's (it writes serve.json a moment after taking
// the lock, so wait a little for it), else the pid in the lock file.
func describeHolder(dir string) string {
	pidText, _ := os.ReadFile(filepath.Join(dir, serveLockFile))
	pid, _ := strconv.Atoi(strings.TrimSpace(string(pidText)))
	deadline := time.Now().Add(3 * time.Second)
	for {
		si, err := readServeInfo(filepath.Join(dir, serveFile))
		if err == nil && (pid == 0 || si.PID == pid) {
			return fmt.Sprintf("pid %d, listening on %s", si.PID, si.URL)
		}
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if pid > 0 {
		return fmt.Sprintf("pid %d, not listening yet", pid)
	}
	return "its pid is unknown (see " + serveLockFile + ")"
}

// readServeInfo reads serve.json.
func readServeInfo(path string) (serveInfo, error) {
	var si serveInfo
	b, err := os.ReadFile(path)
	if err != nil {
		return si, err
	}
	if err := json.Unmarshal(b, &si); err != nil {
		return si, fmt.Errorf("%s: %w", path, err)
	}
	return si, nil
}

// tightenModes makes a state folder made by an older swarm, or loosened
// by hand, the operator's alone: folders 0700, files without group or
// other permissions. It says what it changed: the folder was readable by
// others until now.
func tightenModes(dir string, log *slog.Logger) {
	var changed []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type()&fs.ModeSymlink != 0 {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return nil // removed meanwhile
		}
		mode, want := fi.Mode().Perm(), fi.Mode().Perm()&^0o077
		if d.IsDir() {
			want = stateDirMode
		}
		if mode == want {
			return nil
		}
		if err := os.Chmod(p, want); err != nil {
			return err
		}
		changed = append(changed, fmt.Sprintf("%s %o→%o", p, mode, want))
		return nil
	})
	if err != nil {
		log.Warn("could not make the state folder private", "dir", dir, "err", err)
	}
	if len(changed) > 0 {
		log.Warn("the state folder was readable by others; made it private (folders 0700, files 0600)",
			"dir", dir, "changed", len(changed), "first", changed[0])
	}
}
