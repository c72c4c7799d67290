package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"path/filepath"
	"strconv"
	"time"

	"github.com/swarm-build/swarm/buildlog"
	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/projections"
)

// LogsDir is the folder of build logs inside the state folder.
const LogsDir = "logs"

// buildLogs is the store of the drones' build logs under the state
// folder, with the configuration's limits as they are now; nil when the
// server has no state folder.
func (s *Server) buildLogs() *buildlog.Store {
	if s.opts.StateDir == "" {
		return nil
	}
	l := s.config().Log
	return buildlog.New(filepath.Join(s.opts.StateDir, LogsDir), buildlog.Limits{
		MaxBytes: l.MaxBuildLog, MaxTotal: l.BuildLogsMaxTotal, MaxAge: l.BuildLogsMaxAge.Duration})
}

// logPruneEvery is how often the maintenance loop prunes the build logs
// (they are also pruned on each write).
const logPruneEvery = 10 * time.Minute

// pruneBuildLogs deletes build logs past the configured age and total.
func (s *Server) pruneBuildLogs(now time.Time) {
	logs := s.buildLogs()
	if logs == nil {
		return
	}
	gone, err := logs.Prune(now)
	if err != nil {
		s.log.Warn("could not prune build logs", "err", err)
	}
	if len(gone) > 0 {
		s.log.Info("pruned build logs", "files", len(gone))
	}
}

// droneRaw wraps a drone verb whose body is raw bytes (an upload), not
// the strict JSON object of droneCall: it authenticates the drone the same
// way, runs h and writes its answer or error.
func (s *Server) droneRaw(verb string, h func(context.Context, string, *http.Request) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		if !s.droneAuthorized(w, r, id, verb) {
			return
		}
		out, err := h(r.Context(), id, r)
		if err != nil {
			s.writeFailure(w, verb, id, err)
			return
		}
		writeJSON(w, http.StatusOK, out)
	}
}

// uploadTarget reads an upload's atom and fence from its query and checks
// that id holds that claim now.
func (s *Server) uploadTarget(ctx context.Context, id string, r *http.Request) (string, uint64, error) {
	q := r.URL.Query()
	keys, err := commands.ParseAtoms([]string{q.Get("atom")})
	if err != nil {
		return "", 0, fmt.Errorf("%w: atom: %w", errBadBody, err)
	}
	atom := keys[0]
	fence, err := strconv.ParseUint(q.Get("fence"), 10, 64)
	if err != nil || fence == 0 {
		return "", 0, fmt.Errorf("%w: fence %q is not a positive integer", errBadBody, q.Get("fence"))
	}
	var held error
	if err := s.store.Read(ctx, func(st *projections.State) { held = commands.UploadAllowed(st, id, atom, fence) }); err != nil {
		return "", 0, err
	}
	return atom, fence, held
}

// buildLog stores a build's whole log, zstd-compressed, under its claim
// (api.VerbBuildLog). The fence is checked when the upload begins: a log
// of a claim that is no longer the drone's is refused (409) unread. The
// log is not farm state, so no event records it; the failed event keeps
// its excerpt.
func (s *Server) buildLog(ctx context.Context, id string, r *http.Request) (any, error) {
	logs := s.buildLogs()
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/zstd" {
		return nil, fmt.Errorf("%w: Content-Type must be application/zstd, not %q", errBadBody, r.Header.Get("Content-Type"))
	}
	atom, fence, err := s.uploadTarget(ctx, id, r)
	if err != nil {
		return nil, err
	}
	if r.ContentLength > logs.Limits().MaxBytes && logs.Limits().MaxBytes > 0 {
		return nil, fmt.Errorf("%w: a build log is at most %d bytes compressed (log.max_build_log)", errTooLarge, logs.Limits().MaxBytes)
	}
	n, err := logs.Put(atom, fence, r.Body)
	switch {
	case errors.Is(err, buildlog.ErrTooLarge):
		return nil, fmt.Errorf("%w: a build log is at most %d bytes compressed (log.max_build_log)", errTooLarge, logs.Limits().MaxBytes)
	case errors.Is(err, buildlog.ErrBadLog):
		return nil, fmt.Errorf("%w: %w", errBadBody, err)
	case err != nil:
		return nil, err
	}
	s.log.Info("stored a build log", "drone", id, "atom", atom, "fence", fence, "bytes", n)
	return struct{}{}, nil
}
