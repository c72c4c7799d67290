package orchestrator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"time"
	"unicode/utf8"

	"github.com/swarm-build/swarm/api"
	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/internal/bufpool"
	"github.com/swarm-build/swarm/projections"
)

// maxBody bounds a request body: the largest is a failure's log excerpt.
const maxBody = 1 << 20

// Handler returns the API's routes.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+api.HealthPath, s.handleHealth)
	mux.HandleFunc("GET /"+api.Version+"/status", s.handleView("status"))
	mux.HandleFunc("GET /"+api.Version+"/queue", s.handleView("queue"))
	mux.HandleFunc("GET /"+api.Version+"/drones", s.handleView("drones"))
	mux.HandleFunc("GET "+api.DispatchPath, s.handleDispatch)
	mux.HandleFunc("GET "+api.LogPath, s.handleLog)
	mux.HandleFunc("GET "+api.BuildLogsPath+"/{atom...}", s.handleBuildLog)
	s.liveRoutes(mux)
	drone := func(verb string, h func(context.Context, string, *http.Request) (any, error)) {
		mux.HandleFunc("POST "+api.DronePath("{id}", verb), s.droneCall(verb, s.metrics.timed(verb, h)))
	}
	drone(api.VerbRegister, s.register)
	drone(api.VerbHeartbeat, s.heartbeat)
	drone(api.VerbClaim, s.claimCall)
	drone(api.VerbComplete, s.complete)
	drone(api.VerbFail, s.fail)
	drone(api.VerbReturn, s.returnCall)
	mux.HandleFunc("POST "+api.DronePath("{id}", api.VerbBinpkg), s.handleBinpkg)
	s.binhostRoutes(mux)
	if s.opts.StateDir != "" { // build logs are kept in the state folder
		mux.HandleFunc("POST "+api.DronePath("{id}", api.VerbBuildLog), s.droneRaw(api.VerbBuildLog, s.buildLog))
	}
	return mux
}

// droneCall wraps a drone verb: it authenticates the drone (a wrong or
// missing token is answered 401, logged, and appends nothing), runs h and
// writes its answer or error.
func (s *Server) droneCall(verb string, h func(context.Context, string, *http.Request) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		if !s.droneAuthorized(w, r, id, verb) {
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		out, err := h(r.Context(), id, r)
		if err != nil {
			s.writeFailure(w, verb, id, err)
			return
		}
		writeJSON(w, http.StatusOK, out)
	}
}

// droneAuthorized authenticates drone id's call, answering 401 (logged,
// nothing appended) to a wrong or missing token, and, on a follower,
// refuses it with the leader's URL (leader.go).
//
// A connection remembers the drone it proved itself as (trackedConn.proved),
// so the next calls on it, a drone's keep-alive connection, skip hashing
// the token until config.toml changes.
func (s *Server) droneAuthorized(w http.ResponseWriter, r *http.Request, id, verb string) bool {
	tc, _ := r.Context().Value(connKey{}).(*trackedConn)
	header := r.Header.Get("Authorization")
	gen := s.cfgGen.Load() // read before the config: never newer than what is checked
	if tc == nil || !tc.proved(id, header, gen) {
		cfg := s.config()
		if !authorized(&cfg, id, r) {
			s.reloadConfig() // a drone admitted a moment ago
			gen = s.cfgGen.Load()
			cfg = s.config()
			if !authorized(&cfg, id, r) {
				s.log.Warn("refused a drone: wrong or missing token", "drone", id, "verb", verb, "remote", r.RemoteAddr)
				writeError(w, http.StatusUnauthorized, api.CodeUnauthorized, "wrong or missing token for drone "+id)
				return false
			}
		}
		s.authenticated(r)
		if tc != nil {
			tc.prove(id, header, gen)
		}
	}
	return s.mayWrite(w, r) // every drone call is a write: only the leader takes it
}

// errBadBody marks a request body that does not decode or whose fields
// are refused; errTooLarge one over maxBody.
var (
	errBadBody  = errors.New("bad request body")
	errTooLarge = errors.New("request body too large")
)

// validator is a request that checks its own fields (package api).
type validator interface{ Validate() error }

// decodeBody reads a drone's request strictly: a JSON content type, valid
// UTF-8, exactly one JSON object (not null, not an array, nothing after
// it), and fields the request's own rules accept. Keys this server does
// not know are ignored, so a newer drone may send more (the API adds keys,
// never renames them).
func decodeBody(r *http.Request, v validator) error {
	if ct := r.Header.Get("Content-Type"); ct != "application/json" { // what every drone sends needs no parsing
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return fmt.Errorf("%w: Content-Type must be application/json, not %q", errBadBody, ct)
		}
	}
	buf := bufpool.Get()
	defer bufpool.Put(buf)
	_, err := buf.ReadFrom(r.Body)
	data := buf.Bytes()
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return fmt.Errorf("%w: at most %d bytes", errTooLarge, maxBody)
		}
		return fmt.Errorf("%w: %v", errBadBody, err)
	}
	if !utf8.Valid(data) {
		return fmt.Errorf("%w: not valid UTF-8", errBadBody)
	}
	if fd, ok := v.(api.FlatDecoder); ok && fd.DecodeFlat(data) {
		// A body of the shape drones send: read as encoding/json reads it.
		return validate(v)
	}
	if trimmed := bytes.TrimLeft(data, " \t\r\n"); len(trimmed) == 0 || trimmed[0] != '{' {
		return fmt.Errorf("%w: must be one JSON object", errBadBody)
	}
	// Unmarshal accepts exactly one JSON value and nothing but spaces after
	// it, which is the rule; it does not copy the body into a decoder's own
	// buffer nor scan it a third time for what follows. A body it refuses
	// is decoded again the long way, which says why in the words drones
	// have always been answered with.
	if err := json.Unmarshal(data, v); err != nil {
		if serr := strictDecode(data, v); serr != nil {
			return serr
		}
		return fmt.Errorf("%w: %v", errBadBody, err) // never taken: both read JSON alike
	}
	return validate(v)
}

// validate applies a request's own rules to its fields.
func validate(v validator) error {
	if err := v.Validate(); err != nil {
		return fmt.Errorf("%w: %w", errBadBody, err)
	}
	return nil
}

// strictDecode decodes data into v as one JSON object with nothing after
// it, and says what is wrong when it is not.
func strictDecode(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %v", errBadBody, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("%w: data after the JSON object", errBadBody)
	}
	return nil
}

// atomFirst is the error of a report about atom, which its decision
// answered with err: a bad request when atom is not a package at all,
// whatever the decision said. A report the decision took needs no parse:
// it names a package of the plan, and every one was parsed when it was
// enqueued (2.8 µs of a claim and completion's CPU, issue 10).
func atomFirst(atom string, err error) error {
	if err == nil {
		return nil
	}
	if aerr := checkAtom("atom", atom); aerr != nil {
		return aerr
	}
	return err
}

// checkAtom refuses a report about something that is not a package.
func checkAtom(field, atom string) error {
	if _, err := commands.ParseAtoms([]string{atom}); err != nil {
		return fmt.Errorf("%w: %w", errBadBody, &api.FieldError{Field: field, Problem: err.Error()})
	}
	return nil
}

func taskAtoms(ts []api.Task) error {
	for i, t := range ts {
		if err := checkAtom(fmt.Sprintf("tasks[%d].atom", i), t.Atom); err != nil {
			return err
		}
	}
	return nil
}

// writeFailure maps a decision's error to its answer.
func (s *Server) writeFailure(w http.ResponseWriter, verb, id string, err error) {
	switch {
	case errors.Is(err, api.ErrNotLeader):
		s.refuseNotLeader(w)
	case errors.Is(err, errTooLarge):
		writeError(w, http.StatusRequestEntityTooLarge, api.CodeBadRequest, err.Error())
	case errors.Is(err, errBadBody), errors.Is(err, commands.ErrBadAtom):
		writeError(w, http.StatusBadRequest, api.CodeBadRequest, err.Error())
	case errors.Is(err, commands.ErrUnknownDrone):
		writeError(w, http.StatusConflict, api.CodeNotRegistered, err.Error())
	case errors.Is(err, commands.ErrStaleFence), errors.Is(err, commands.ErrNotBuilding),
		errors.Is(err, commands.ErrUnknownPackage):
		s.log.Info("refused a stale report", "drone", id, "verb", verb, "err", err)
		s.recordRefused(verb, err)
		writeError(w, http.StatusConflict, api.CodeStaleFence, err.Error())
	default:
		s.log.Error("drone call failed", "drone", id, "verb", verb, "err", err)
		writeError(w, http.StatusInternalServerError, api.CodeInternal, err.Error())
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if fe, ok := v.(api.FlatEncoder); ok { // the answers of every build: the bytes Encode writes
		buf := bufpool.Get()
		buf.Write(fe.AppendJSON(buf.AvailableBuffer()))
		buf.WriteByte('\n')
		_, _ = w.Write(buf.Bytes())
		bufpool.Put(buf)
		return
	}
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, api.Error{Code: code, Message: msg})
}

// handleHealth answers 200 while the server can acknowledge, and 503 with
// the reason while its event log cannot be written (it heals by itself).
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	var seq uint64
	if s.opts.Leadership != nil {
		// One of several on a replicated log: say who leads even while
		// the log cannot be read (no leader elected yet), which a Read
		// would wait out holding the store.
		seq = s.store.Known()
	} else if err := s.store.Read(r.Context(), func(st *projections.State) { seq = st.Seq }); err != nil {
		writeError(w, http.StatusInternalServerError, api.CodeInternal, err.Error())
		return
	}
	if broken := s.store.Broken(); broken != nil {
		writeJSON(w, http.StatusServiceUnavailable, api.Ready{Seq: seq, Version: s.opts.Version,
			Error: "cannot write the event log, acknowledging nothing until it can: " + broken.Error()})
		return
	}
	role, leader := s.role()
	writeJSON(w, http.StatusOK, api.Ready{OK: true, Seq: seq, Version: s.opts.Version, Role: role, Leader: leader})
}

// viewAllowed decides whether r may read a view, answering 401 if not:
// beyond loopback it needs an operator's token, on loopback nothing.
func (s *Server) viewAllowed(w http.ResponseWriter, r *http.Request) bool {
	if !s.exposed {
		return true
	}
	cfg := s.config()
	if !operatorAuthorized(&cfg, r) {
		s.reloadConfig() // an operator added a moment ago
		cfg = s.config()
		if !operatorAuthorized(&cfg, r) {
			writeError(w, http.StatusUnauthorized, api.CodeUnauthorized,
				"the server listens beyond loopback: its views need an operator token (swarm operators add)")
			return false
		}
	}
	s.authenticated(r)
	return true
}

// handleView serves the read models as `swarm status/queue/drones --json`
// print them.
//
// Served beyond loopback they need an operator's token: the queue and the
// drones are the farm's business alone. On loopback they stay open, as
// anyone who can reach them can read the state folder's log anyway.
func (s *Server) handleView(what string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.viewAllowed(w, r) {
			return
		}
		// Judged by config.toml as it is now, as `swarm status` reading the
		// folder would (and asks this view instead): an edit a moment ago
		// must not wait for the watcher's next look (one stat if unchanged).
		s.reloadConfig()
		var v any
		err := s.store.Read(r.Context(), func(st *projections.State) {
			switch what {
			case "status": // finished below, outside the lock: a new ETA's estimate needs no State
				v = s.eta.BeginReport(st, s.rules(), s.config(), time.Now())
			case "queue":
				v = st.QueueList(r.URL.Query().Get("state"))
			default: // as swarm drones --json: admitted drones too
				v = commands.Roster(st.DroneList(), s.config())
			}
		})
		if err != nil {
			writeError(w, http.StatusInternalServerError, api.CodeInternal, err.Error())
			return
		}
		if p, ok := v.(*commands.PendingReport); ok { // outside the store's lock: it reads a folder
			v = s.describe(p.Finish())
		}
		writeJSON(w, http.StatusOK, v)
	}
}

func (s *Server) register(ctx context.Context, id string, r *http.Request) (any, error) {
	var req api.RegisterRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	if err := taskAtoms(req.Tasks); err != nil {
		return nil, err
	}
	if err := commands.CheckDroneRelease(req.Version, s.opts.Version); err != nil {
		s.log.Warn("refused a drone newer than this orchestrator", "drone", id, "version", req.Version)
		return nil, fmt.Errorf("%w: drone %s: %w", errBadBody, id, err)
	}
	cfg := s.config()
	info := commands.AsAdmitted(commands.DroneInfo{ID: id, Cores: req.Cores, MemoryMB: req.MemoryMB,
		Capabilities: req.Capabilities, Version: req.Version, Tree: req.Tree, Health: req.Health, Slots: req.Slots,
		Portage: portageSettings(req.Portage)}, cfg.Drones[id])
	var dropped []commands.Dropped
	if _, err := s.execute(ctx, commands.Register(info, tasksOf(req.Tasks), &dropped)); err != nil {
		return nil, err
	}
	return api.RegisterResponse{
		HeartbeatMS:  cfg.Farm.Heartbeat.Milliseconds(),
		LeaseMS:      cfg.Farm.Lease.Milliseconds(),
		Command:      cfg.Build.Command,
		StallAfterMS: cfg.Build.StallAfter.Milliseconds(),
		Slots:        info.Slots,
		Health:       healthThresholds(cfg.Health),
		Dropped:      drops(dropped),
	}, nil
}

func tasksOf(ts []api.Task) []commands.TaskReport {
	out := make([]commands.TaskReport, len(ts))
	for i, t := range ts {
		out[i] = commands.TaskReport{Atom: t.Atom, Fence: t.Fence, Progress: t.Progress}
	}
	return out
}

func drops(ds []commands.Dropped) []api.Drop {
	out := make([]api.Drop, len(ds))
	for i, d := range ds {
		out[i] = api.Drop{Atom: d.Atom, Fence: d.Fence, Reason: d.Reason}
	}
	return out
}

func (s *Server) heartbeat(ctx context.Context, id string, r *http.Request) (any, error) {
	var req api.HeartbeatRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	if err := taskAtoms(req.Tasks); err != nil {
		return nil, err
	}
	var ans commands.BeatAnswer
	beat := commands.Beat{Health: req.Health, CPUPercent: req.CPUPercent, MemoryPercent: req.MemoryPercent,
		DiskPercent: req.DiskPercent, Load: req.Load, Tasks: tasksOf(req.Tasks), Tree: req.Tree,
		Portage: portageSettings(req.Portage), Version: req.Version}
	if _, err := s.execute(ctx, commands.Heartbeat(s.rules(), time.Now(), id, beat, s.live, &ans)); err != nil {
		return nil, err
	}
	s.recordDrops(id, ans.Drop)
	return api.HeartbeatResponse{Drop: drops(ans.Drop), Paused: ans.Paused, Grounded: ans.Grounded,
		GroundedUntil: ans.GroundedUntil}, nil
}

func (s *Server) claimCall(ctx context.Context, id string, r *http.Request) (any, error) {
	var req api.ClaimRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	// The wait ends well before server.read_timeout, which would cancel
	// the request (and with it the claim) while it waits.
	longest := s.opts.MaxWait
	if rt := s.config().Server.ReadTimeout.Duration; rt > 0 {
		longest = min(longest, rt/2)
	}
	wait := time.Duration(min(req.WaitMS, longest.Milliseconds())) * time.Millisecond
	g := s.claim(ctx, id, wait)
	if g.Err != nil {
		return nil, g.Err
	}
	if g.Atom == "" {
		return api.ClaimResponse{Reason: g.Reason}, nil
	}
	return api.ClaimResponse{Claim: &api.Claim{Atom: g.Atom, Fence: g.Fence, Attempt: g.Attempt,
		LeaseMS: g.Lease.Milliseconds(), ExpectedMS: g.Expected.Milliseconds()}}, nil
}

func ack(out commands.Outcome) api.Ack {
	if n := len(out.Events); n > 0 {
		return api.Ack{Seq: out.Events[0].Seq}
	}
	return api.Ack{}
}

func (s *Server) complete(ctx context.Context, id string, r *http.Request) (any, error) {
	var req api.CompleteRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	out, err := s.execute(ctx, commands.Complete(id, req.Atom, req.Fence, commands.Binpkg{SHA256: req.SHA256, Size: req.Size}))
	return ack(out), atomFirst(req.Atom, err)
}

func (s *Server) fail(ctx context.Context, id string, r *http.Request) (any, error) {
	var req api.FailRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	f := commands.Failure{Signature: req.Signature, Reason: req.Reason, Excerpt: req.Excerpt, Start: req.Start}
	out, err := s.execute(ctx, commands.Fail(s.rules(), time.Now(), id, req.Atom, req.Fence, f))
	return ack(out), atomFirst(req.Atom, err)
}

func (s *Server) returnCall(ctx context.Context, id string, r *http.Request) (any, error) {
	var req api.ReturnRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	out, err := s.execute(ctx, commands.Return(id, req.Atom, req.Fence, req.Reason))
	return ack(out), atomFirst(req.Atom, err)
}

// describe completes a status report as `swarm status --json` prints it
// for this farm: the server describing itself, and its build logs counted.
func (s *Server) describe(rep commands.Report) commands.Report {
	rep.Server = &commands.ServerCondition{URL: s.url, PID: os.Getpid(), OK: true, Version: s.opts.Version}
	rep.Server.Role, rep.Server.Leader = s.role()
	rep.Server.Cluster, rep.Server.ClusterError = s.cluster(context.Background())
	if broken := s.store.Broken(); broken != nil {
		rep.Server.OK, rep.Server.Error = false, "cannot write the event log, acknowledging nothing until it can: "+broken.Error()
	}
	if logs := s.buildLogs(); logs != nil {
		if u, err := logs.Usage(); err == nil {
			rep.BuildLogs = &u
		}
	}
	return rep
}
