package orchestrator

import (
	"net/http"
	"strconv"

	"github.com/swarm-build/swarm/api"
	"github.com/swarm-build/swarm/eventlog"
)

// handleLog serves the log's canonical records after a sequence number,
// for `swarm fetch`: authenticated like the other read views, a page at a
// time (api.LogPageMax records or api.LogPageMaxBytes, whichever comes
// first; at least one record), so a laptop can copy a long log
// incrementally and prove the copy by the hash chain.
func (s *Server) handleLog(w http.ResponseWriter, r *http.Request) {
	if !s.viewAllowed(w, r) {
		return
	}
	q := r.URL.Query()
	after, limit := uint64(0), api.LogPageMax
	var err error
	if v := q.Get("after"); v != "" {
		if after, err = strconv.ParseUint(v, 10, 64); err != nil {
			writeError(w, http.StatusBadRequest, api.CodeBadRequest, "after: not a sequence number")
			return
		}
	}
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 {
			writeError(w, http.StatusBadRequest, api.CodeBadRequest, "limit: not a positive number")
			return
		}
		limit = min(limit, api.LogPageMax)
	}
	ctx := r.Context()
	log := s.store.Log()
	prev, err := log.ChainAfter(ctx, after)
	if err != nil {
		writeError(w, http.StatusNotFound, api.CodeBadRequest, "after: "+err.Error())
		return
	}
	page := api.LogPage{After: after, Prev: prev.String(), Records: []api.LogRecord{}}
	size := 0
	for rec, err := range eventlog.Records(ctx, log, after+1) {
		if err != nil {
			writeError(w, http.StatusInternalServerError, api.CodeInternal, err.Error())
			return
		}
		page.Records = append(page.Records, api.LogRecord{Seq: rec.Seq, Data: rec.Data, Chain: rec.Chain.String()})
		page.Last = rec.Seq
		if size += len(rec.Data); len(page.Records) >= limit || size >= api.LogPageMaxBytes {
			break
		}
	}
	if page.Last == 0 {
		page.Last = after
	}
	writeJSON(w, http.StatusOK, page)
}
