package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/config"
	"github.com/swarm-build/swarm/projections"
)

// stateDirName is the state folder's name, found like git finds .git.
const stateDirName = ".swarm"

// stateDir returns the state folder: --dir, else $SWARM_DIR, else the
// nearest .swarm at or above the working folder.
func (a *app) stateDir() (string, error) {
	if a.dir != "" {
		return resolveStateDir(a.dir)
	}
	if d := a.getenv("SWARM_DIR"); d != "" {
		return resolveStateDir(d)
	}
	wd, err := a.getwd()
	if err != nil {
		return "", fmt.Errorf("find the state folder: %w", err)
	}
	return findStateDir(wd)
}

// findStateDir walks from dir up to the root looking for a .swarm folder.
func findStateDir(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		if d := filepath.Join(dir, stateDirName); isDir(d) {
			return d, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errNoSwarm
		}
		dir = parent
	}
}

// resolveStateDir accepts a path given with --dir or $SWARM_DIR: the state
// folder itself, or a folder holding a .swarm folder.
func resolveStateDir(p string) (string, error) {
	if d := filepath.Join(p, stateDirName); isDir(d) {
		return d, nil
	}
	if !isDir(p) {
		return "", fmt.Errorf("not a swarm: %s: no such folder; run 'swarm init'", p)
	}
	if !exists(filepath.Join(p, config.FileName)) && !isDir(filepath.Join(p, "events")) {
		return "", fmt.Errorf("not a swarm: %s has no %s or events/; run 'swarm init'", p, config.FileName)
	}
	return p, nil
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

func exists(p string) bool {
	_, err := os.Lstat(p)
	return !errors.Is(err, fs.ErrNotExist)
}

// log returns the logger for libraries (a discarding one before setup).
func (a *app) log() *slog.Logger {
	if a.logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return a.logger
}

// openStore opens the state folder's event log and snapshots, on the
// backend config.toml's [log] names. A writer reads config.toml for the
// log's tuning and refuses a config that does not load; a reader whose
// config does not load reads the file log (forensics must work on a bare
// log).
func (a *app) openStore(readOnly bool) (*commands.Store, error) {
	return a.openStoreWith(commands.StoreOptions{ReadOnly: readOnly})
}

// openStoreWith is openStore with opts (ReadOnly, Own) as given.
func (a *app) openStoreWith(opts commands.StoreOptions) (*commands.Store, error) {
	dir, err := a.stateDir()
	if err != nil {
		return nil, err
	}
	opts.Logger = a.log()
	cfg, err := loadConfig(dir)
	switch {
	case err == nil:
		opts.Backend = cfg.Log
		if !opts.ReadOnly {
			opts.SnapshotEvery, opts.SegmentBytes = cfg.Log.SnapshotEvery, cfg.Log.SegmentBytes
		}
	case !opts.ReadOnly:
		return nil, err
	}
	st, err := commands.OpenStore(dir, opts)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", dir, err)
	}
	return st, nil
}

// stateConfig finds the state folder and loads its config.toml.
func (a *app) stateConfig() (string, config.Config, error) {
	dir, err := a.stateDir()
	if err != nil {
		return "", config.Config{}, err
	}
	cfg, err := loadConfig(dir)
	return dir, cfg, err
}

// loadConfig loads dir's config.toml, or the defaults when there is none.
func loadConfig(dir string) (config.Config, error) {
	p := filepath.Join(dir, config.FileName)
	if !exists(p) {
		return config.Default(), nil
	}
	return config.Load(p)
}

// currentState reads the farm's current State read-only: the newest
// snapshot and the events after it. The State outlives the store.
func (a *app) currentState(ctx context.Context) (*projections.State, error) {
	store, err := a.openStore(true)
	if err != nil {
		return nil, err
	}
	defer store.Close()
	return store.Load(ctx)
}
