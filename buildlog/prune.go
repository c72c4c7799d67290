package buildlog

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// kept is one stored log, for retention.
type kept struct {
	path string
	size int64
	mod  time.Time
}

// Prune deletes logs older than the maximum age, then the oldest until
// the total is within its limit, and returns the paths it deleted.
func (s *Store) Prune(now time.Time) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pruneLocked(now)
}

// pruneLocked is Prune. Lock must be held.
func (s *Store) pruneLocked(now time.Time) ([]string, error) {
	logs, total, err := s.list()
	if err != nil {
		return nil, err
	}
	slices.SortFunc(logs, func(a, b kept) int { return cmp.Or(a.mod.Compare(b.mod), strings.Compare(a.path, b.path)) })
	var gone []string
	for _, l := range logs {
		old := s.limits.MaxAge > 0 && now.Sub(l.mod) > s.limits.MaxAge
		over := s.limits.MaxTotal > 0 && total > s.limits.MaxTotal
		if !old && !over {
			break // the rest are newer, and the total fits
		}
		if err := os.Remove(l.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return gone, fmt.Errorf("build log: prune: %w", err)
		}
		os.Remove(filepath.Dir(l.path)) // the package's folder, once empty
		total -= l.size
		gone = append(gone, l.path)
	}
	return gone, nil
}

// list finds every stored log and their total size.
func (s *Store) list() ([]kept, int64, error) {
	var logs []kept
	var total int64
	err := filepath.WalkDir(s.dir, func(path string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && path == s.dir {
			return filepath.SkipDir
		}
		if err != nil || !d.Type().IsRegular() || !strings.HasSuffix(path, ".log.zst") {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		logs = append(logs, kept{path: path, size: fi.Size(), mod: fi.ModTime()})
		total += fi.Size()
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("build log: list: %w", err)
	}
	return logs, total, nil
}
