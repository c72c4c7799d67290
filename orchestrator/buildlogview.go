package orchestrator

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/swarm-build/swarm/api"
	"github.com/swarm-build/swarm/buildlog"
	"github.com/swarm-build/swarm/portage"
)

// handleBuildLog serves a kept build log to operators, as `swarm logs`
// prints it on the orchestrator's machine: the error context of the
// latest attempt whose log is kept, ?full=1 all of it, ?attempt=N the
// N-th claim's. A remote operator (swarm monitor's e) reads why a build
// failed without a shell on the server.
func (s *Server) handleBuildLog(w http.ResponseWriter, r *http.Request) {
	if !s.viewAllowed(w, r) {
		return
	}
	p, err := portage.ParsePackage(r.PathValue("atom"))
	if err != nil {
		writeError(w, http.StatusBadRequest, api.CodeBadRequest, err.Error())
		return
	}
	n := 0
	if v := r.URL.Query().Get("attempt"); v != "" {
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			writeError(w, http.StatusBadRequest, api.CodeBadRequest, "attempt: want a positive number")
			return
		}
	}
	logs := s.buildLogs()
	if logs == nil {
		writeError(w, http.StatusNotFound, "not_found", "this server keeps no build logs")
		return
	}
	attempts, err := buildlog.Attempts(s.store.Log().Events(r.Context(), 0), p.Key())
	if err != nil {
		writeError(w, http.StatusInternalServerError, api.CodeInternal, err.Error())
		return
	}
	a, log, err := logs.ReadAttempt(p.Key(), attempts, n)
	switch {
	case errors.Is(err, buildlog.ErrNoPackage), errors.Is(err, buildlog.ErrNoAttempt), errors.Is(err, buildlog.ErrNoLog):
		writeError(w, http.StatusNotFound, "not_found", err.Error())
		return
	case err != nil:
		writeError(w, http.StatusInternalServerError, api.CodeInternal, err.Error())
		return
	}
	if r.URL.Query().Get("full") == "" {
		log = portage.ErrorContext(log)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Swarm-Attempt", api.AttemptHeader(a.N, len(attempts)))
	w.Header().Set("X-Swarm-Drone", a.Drone)
	_, _ = w.Write(log)
}
