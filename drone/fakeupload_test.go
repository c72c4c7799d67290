package drone

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/swarm-build/swarm/api"
)

// upload is one binpkg call as the fake orchestrator saw it.
type upload struct {
	query         map[string]string // atom, fence, name, sha256, size
	contentType   string
	contentLength int64
	gotSHA256     string // of the body received
	gotSize       int64
}

// binpkg takes an upload as the wire contract says: it hashes the body as
// it streams in, then answers 200, 422 (f.reject), 409 (stale fence) or
// f.binpkgStatus. Lock must be held.
func (f *fakeOrchestrator) binpkg(w http.ResponseWriter, r *http.Request) {
	f.reportCalls[api.VerbBinpkg]++
	q := r.URL.Query()
	u := upload{query: map[string]string{}, contentType: r.Header.Get("Content-Type"), contentLength: r.ContentLength}
	for _, k := range []string{"atom", "fence", "name", "sha256", "size"} {
		u.query[k] = q.Get(k)
	}
	want, _ := strconv.ParseInt(q.Get("size"), 10, 64)
	h := sha256.New()
	buf := make([]byte, 1<<20)
	for half := f.midUpload; ; {
		n, err := r.Body.Read(buf)
		h.Write(buf[:n])
		u.gotSize += int64(n)
		if half != nil && u.gotSize >= want/2 {
			half()
			half = nil
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			f.t.Errorf("fake orchestrator: read binpkg body: %v", err)
			return
		}
	}
	u.gotSHA256 = hex.EncodeToString(h.Sum(nil))
	f.uploads = append(f.uploads, u)
	atom := q.Get("atom")
	fence, _ := strconv.ParseUint(q.Get("fence"), 10, 64)
	switch {
	case f.binpkgStatus != 0:
		writeErr(w, f.binpkgStatus, api.CodeBadRequest, "refused")
	case f.stale[atom] || f.live[atom] != fence:
		writeErr(w, http.StatusConflict, api.CodeStaleFence, "stale fence")
	case f.reject[atom]:
		delete(f.live, atom) // the claim ends; the package is queued again
		writeErr(w, http.StatusUnprocessableEntity, api.CodeRejected, "manifest mismatch")
	default:
		name := strings.TrimSuffix(q.Get("name"), ".gpkg.tar")
		writeJSON(w, api.BinpkgAnswer{Path: name + "-7.gpkg.tar", BuildID: 7, SHA256: u.gotSHA256})
	}
}

// buildLog keeps a build log as it came. Lock must be held.
func (f *fakeOrchestrator) buildLog(w http.ResponseWriter, r *http.Request) {
	f.reportCalls[api.VerbBuildLog]++
	data, err := io.ReadAll(r.Body)
	if err != nil || r.Header.Get("Content-Type") != "application/zstd" || r.ContentLength != int64(len(data)) {
		f.t.Errorf("fake orchestrator: build log: %v, type %q, length %d of %d", err, r.Header.Get("Content-Type"), r.ContentLength, len(data))
	}
	if f.logs == nil {
		f.logs = map[string][]byte{}
	}
	f.logs[r.URL.Query().Get("atom")] = data
	writeJSON(w, struct{}{})
}
