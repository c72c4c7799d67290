package binhost

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/swarm-build/swarm/internal/flock"
	"github.com/swarm-build/swarm/projections"
)

// IndexLockFile, in the binhost folder, is flocked by every writer of
// the index (the server's index loop, `swarm verify --repair`) and holds
// the seq of the events the live index was written from, so a writer
// holding older events does not put back what a newer index took out.
const IndexLockFile = "index.lock"

// WriteIndex publishes the index of builds (State.Builds as of event seq:
// the promoted builds not pruned) in the binhost folder dir, with the
// farm's tree (State.Sync.Tree; "" when unknown) as REPO_REVISIONS, unless an
// index of later events is live. Its TIMESTAMP is now, and past both last
// (the caller's previous one) and the live index's, so clients always see
// it move forward. It returns the live TIMESTAMP and whether it wrote.
// The server's index loop and `swarm verify --repair` both write the
// index through here.
func WriteIndex(dir string, seq uint64, builds []projections.Build, tree string, last int64, now time.Time) (int64, bool, error) {
	entries := make([]string, 0, len(builds))
	for _, b := range builds {
		entries = append(entries, b.Entry)
	}
	x, err := IndexOf(entries)
	if err != nil {
		return 0, false, err
	}
	if tree != "" {
		x.Header[RepoRevisionsKey] = RepoRevisions(map[string]string{TreeRepo: tree})
	}
	if err := os.MkdirAll(dir, DirMode); err != nil {
		return 0, false, fmt.Errorf("binhost: %w", err)
	}
	lock, err := flock.Exclusive(filepath.Join(dir, IndexLockFile))
	if err != nil {
		return 0, false, fmt.Errorf("binhost: index lock: %w", err)
	}
	defer lock.Unlock()
	live, _ := Timestamp(dir) // unreadable: a new one replaces it
	f := lock.OS()
	if done, _ := readSeq(f); done > seq && live > 0 {
		return live, false, nil
	}
	ts := max(now.Unix(), last+1, live+1)
	if err := Publish(dir, x, ts); err != nil {
		return 0, false, err
	}
	if err := f.Truncate(0); err == nil {
		_, err = f.WriteAt([]byte(strconv.FormatUint(seq, 10)+"\n"), 0)
	}
	return ts, true, nil
}

// readSeq reads the seq an index lock file records (0: none).
func readSeq(f *os.File) (uint64, error) {
	b := make([]byte, 32)
	n, err := f.ReadAt(b, 0)
	if n == 0 {
		return 0, err
	}
	return strconv.ParseUint(strings.TrimSpace(string(b[:n])), 10, 64)
}

// Sweep deletes the files of pruned builds that the live index no longer
// lists, and returns their paths (relative to the packages folder). A
// file the live index still lists stays until an index without it is
// written: a client that read that index can still fetch it. Files
// already gone are no error.
func Sweep(dir string, pruned []projections.Build) ([]string, error) {
	if len(pruned) == 0 {
		return nil, nil
	}
	listed, err := listedPaths(dir)
	if err != nil {
		return nil, err
	}
	var gone []string
	for _, b := range pruned {
		if listed[b.Path] || !filepath.IsLocal(filepath.FromSlash(b.Path)) {
			continue
		}
		err := os.Remove(filepath.Join(dir, PackagesDir, filepath.FromSlash(b.Path)))
		switch {
		case err == nil:
			gone = append(gone, b.Path)
		case !errors.Is(err, fs.ErrNotExist):
			return gone, fmt.Errorf("binhost: sweep: %w", err)
		}
	}
	return gone, nil
}

// listedPaths is the set of PATHs the live Packages lists (none when
// there is no index).
func listedPaths(dir string) (map[string]bool, error) {
	f, err := os.Open(filepath.Join(dir, PackagesDir, IndexFile))
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]bool{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("binhost: %w", err)
	}
	defer f.Close()
	x, err := Parse(f)
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(x.Packages))
	for _, e := range x.Packages {
		out[e["PATH"]] = true
	}
	return out, nil
}
