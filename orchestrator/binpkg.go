package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/swarm-build/swarm/api"
	"github.com/swarm-build/swarm/binhost"
	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/portage/gpkg"
	"github.com/swarm-build/swarm/projections"
)

// errRejected marks an upload that failed verification: a rejected event
// was appended and the package taken back.
var errRejected = errors.New("upload rejected")

var hex64 = regexp.MustCompile(`^[0-9a-f]{64}$`)

// upload is a binpkg call's query.
type upload struct {
	atom, cpv string
	fence     uint64
	sha256    string
	size      int64
}

func parseUpload(r *http.Request) (upload, error) {
	q := r.URL.Query()
	u := upload{atom: q.Get("atom"), sha256: q.Get("sha256")}
	var err error
	if u.fence, err = strconv.ParseUint(q.Get("fence"), 10, 64); err != nil || u.fence == 0 {
		return u, fmt.Errorf("%w: fence: want a positive integer, got %q", errBadBody, q.Get("fence"))
	}
	if !hex64.MatchString(u.sha256) {
		return u, fmt.Errorf("%w: sha256: must be 64 lowercase hex digits", errBadBody)
	}
	if u.size, err = strconv.ParseInt(q.Get("size"), 10, 64); err != nil || u.size < 0 {
		return u, fmt.Errorf("%w: size: want a non-negative integer, got %q", errBadBody, q.Get("size"))
	}
	if err := checkAtom("atom", u.atom); err != nil {
		return u, err
	}
	u.cpv, err = commands.AtomCPV(u.atom)
	return u, err
}

// handleBinpkg receives one binary package of a build (CONTRACT9): the
// claim's fence is checked before the body is read, the body is streamed
// to staging and verified, and the package promoted or rejected. Hashing
// and signing happen outside the store's lock.
func (s *Server) handleBinpkg(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !s.droneAuthorized(w, r, id, api.VerbBinpkg) {
		return
	}
	ans, err := s.binpkg(r.Context(), id, r)
	switch {
	case err == nil:
		writeJSON(w, http.StatusOK, ans)
	case errors.Is(err, binhost.ErrTooLarge):
		writeError(w, http.StatusRequestEntityTooLarge, api.CodeBadRequest, err.Error())
	case errors.Is(err, errRejected):
		writeError(w, http.StatusUnprocessableEntity, api.CodeRejected, err.Error())
	default:
		s.writeFailure(w, api.VerbBinpkg, id, err)
	}
}

func (s *Server) binpkg(ctx context.Context, id string, r *http.Request) (api.BinpkgAnswer, error) {
	u, err := parseUpload(r)
	if err != nil {
		return api.BinpkgAnswer{}, err
	}
	if s.opts.Binhost == "" || s.opts.Key == nil {
		return api.BinpkgAnswer{}, errors.New("this server has no binhost")
	}
	if err := s.readState(ctx, func(st *projections.State) error {
		return commands.UploadAllowed(st, id, u.atom, u.fence)
	}); err != nil {
		return api.BinpkgAnswer{}, err
	}
	limit := s.config().Binhost.MaxUpload
	if u.size > limit || r.ContentLength > limit {
		return api.BinpkgAnswer{}, fmt.Errorf("%w: %d bytes, the limit is %d (binhost.max_upload)", binhost.ErrTooLarge, max(u.size, r.ContentLength), limit)
	}
	up := commands.Binpkg{SHA256: u.sha256, Size: uint64(u.size)}
	staged, err := binhost.Stage(s.opts.Binhost, r.Body, limit, u.size, u.sha256)
	if err != nil {
		return api.BinpkgAnswer{}, s.reject(ctx, id, u, up, err)
	}
	defer os.Remove(staged.Path)
	if s.staged != nil {
		s.staged()
	}
	return s.promote(ctx, id, u, up, staged)
}

// reject records a failed verification (and takes the package back). A
// body that could not be read (the drone went away) is not the package's
// fault: nothing is recorded and the drone may send it again.
func (s *Server) reject(ctx context.Context, id string, u upload, up commands.Binpkg, cause error) error {
	if !isVerdict(cause) {
		return cause
	}
	check := binhost.CheckName(cause)
	if _, err := s.execute(ctx, commands.Reject(s.rules(), time.Now(), id, u.atom, u.fence, check, cause.Error(), up)); err != nil {
		return err
	}
	s.log.Warn("rejected a binary package", "drone", id, "atom", u.atom, "check", check, "err", cause)
	if errors.Is(cause, binhost.ErrTooLarge) {
		return cause
	}
	return fmt.Errorf("%w: %s: %w", errRejected, check, cause)
}

// isVerdict reports whether err is a judgment of the upload's bytes
// rather than a failure to receive, store or sign them: only a verdict
// rejects the package (and counts against its drone).
func isVerdict(err error) bool {
	for _, v := range []error{binhost.ErrTooLarge, binhost.ErrEmpty, binhost.ErrSizeMismatch,
		binhost.ErrHashMismatch, binhost.ErrWrongPackage} {
		if errors.Is(err, v) {
			return true
		}
	}
	return gpkg.Refused(err)
}

// promote checks, renumbers, signs and publishes a staged upload in one
// pass (a refused package is rejected), then records it. BUILD_IDs are allocated under a lock per CPV, so two builds of one
// CPV promoted at once get distinct numbers; promotions of other CPVs go
// on in parallel.
func (s *Server) promote(ctx context.Context, id string, u upload, up commands.Binpkg, staged binhost.Staged) (api.BinpkgAnswer, error) {
	unlock := s.lockCPV(u.cpv)
	defer unlock()
	var next uint64
	if err := s.readState(ctx, func(st *projections.State) error {
		next = st.NextBuildID(u.cpv)
		return commands.UploadAllowed(st, id, u.atom, u.fence)
	}); err != nil {
		return api.BinpkgAnswer{}, err
	}
	p, err := binhost.Promote(s.opts.Binhost, staged.Path, u.cpv, next, s.opts.Key, time.Now())
	if isVerdict(err) {
		return api.BinpkgAnswer{}, s.reject(ctx, id, u, up, err)
	}
	if err != nil {
		return api.BinpkgAnswer{}, fmt.Errorf("promote %s: %w", u.atom, err)
	}
	pr := commands.Promotion{Upload: up, CPV: u.cpv, BuildID: next, Path: p.Path, FileSHA256: p.SHA256,
		Size: uint64(p.Size), Entry: p.Entry}
	out, err := s.execute(ctx, commands.Promote(id, u.atom, u.fence, pr))
	if err != nil {
		// Not promoted: the file must not outlive the decision (nothing
		// lists it, and the next build of the CPV takes its name).
		os.Remove(filepath.Join(s.opts.Binhost, binhost.PackagesDir, filepath.FromSlash(p.Path)))
		return api.BinpkgAnswer{}, err
	}
	s.indexDue()
	s.log.Info("promoted a binary package", "drone", id, "atom", u.atom, "build_id", next, "path", p.Path)
	if n := len(out.Events); n > 0 && !s.waitListed(ctx, out.Events[n-1].Seq) {
		s.log.Warn("answering an upload before the index lists it", "atom", u.atom, "build_id", next)
	}
	return api.BinpkgAnswer{Path: binhost.PackagesDir + "/" + p.Path, BuildID: next, SHA256: p.SHA256}, nil
}

// readState runs f on the current State under the store's lock.
func (s *Server) readState(ctx context.Context, f func(*projections.State) error) error {
	var ferr error
	if err := s.store.Read(ctx, func(st *projections.State) { ferr = f(st) }); err != nil {
		return err
	}
	return ferr
}

// cpvLocks serializes promotions of one CPV.
type cpvLocks struct {
	mu    sync.Mutex
	locks map[string]*cpvLock
}

type cpvLock struct {
	mu    sync.Mutex
	users int
}

// lockCPV takes the promotion lock of cpv and returns its release.
func (s *Server) lockCPV(cpv string) func() {
	s.cpvs.mu.Lock()
	if s.cpvs.locks == nil {
		s.cpvs.locks = map[string]*cpvLock{}
	}
	l := s.cpvs.locks[cpv]
	if l == nil {
		l = &cpvLock{}
		s.cpvs.locks[cpv] = l
	}
	l.users++
	s.cpvs.mu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		s.cpvs.mu.Lock()
		if l.users--; l.users == 0 {
			delete(s.cpvs.locks, cpv)
		}
		s.cpvs.mu.Unlock()
	}
}
