package bench

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"time"
)

// rawHTTP is the least a durable HTTP API can be, the counterpart of the
// orchestrator probes: a Go HTTP handler that reads the request, appends
// a fixed record for it to a file with a group commit (rawGroup: one write
// and one fdatasync for every request that queued meanwhile), and answers
// a small JSON body once its record is durable. No decision, no state.
type rawHTTP struct {
	url   string
	srv   *http.Server
	file  *rawFile
	group *rawGroup
}

// rawRecord is what rawHTTP appends per request: the size of a typical
// claimed or completed event's record.
var rawRecord = bytes.Repeat([]byte{'r'}, 96)

func startRawHTTP(dir string) (*rawHTTP, error) {
	f, err := openRaw(filepath.Join(dir, "raw-http.log"))
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.Close()
		return nil, err
	}
	h := &rawHTTP{url: "http://" + ln.Addr().String(), file: f, group: &rawGroup{file: f}}
	h.srv = &http.Server{Handler: http.HandlerFunc(h.serve), ReadHeaderTimeout: time.Minute}
	go h.srv.Serve(ln)
	return h, nil
}

func (h *rawHTTP) serve(w http.ResponseWriter, r *http.Request) {
	if _, err := io.Copy(io.Discard, r.Body); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if err := h.group.append(rawRecord); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"seq":1}` + "\n"))
}

func (h *rawHTTP) Close() error {
	h.srv.Close()
	return h.file.Close()
}

// post sends one request of the drones' shape (a JSON body, a bearer
// token) to path and reads the answer.
func (h *rawHTTP) post(ctx context.Context, hc *http.Client, path string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.url+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer raw-token")
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}
