package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/projections"
)

// With a server running on the folder, `swarm status` prints the server's
// report (from the State it holds) instead of folding the folder again;
// a server that is not the one serve.json names is not believed.
func TestStatusAsksTheRunningServer(t *testing.T) {
	root := t.TempDir()
	var out, errOut bytes.Buffer
	if code := run([]string{"init", root}, &out, &errOut); code != 0 {
		t.Fatalf("init: %d %s", code, errOut.String())
	}
	const pid = 4711
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/status" {
			http.NotFound(w, r)
			return
		}
		rep := commands.Report{Status: projections.Status{Seq: 4242},
			Server: &commands.ServerCondition{URL: "http://" + r.Host, PID: pid, OK: true}}
		_ = json.NewEncoder(w).Encode(rep)
	}))
	defer srv.Close()
	for _, tc := range []struct {
		pid  int
		want uint64
	}{{pid, 4242}, {pid + 1, 0}} {
		si, _ := json.Marshal(serveInfo{URL: srv.URL, PID: tc.pid})
		if err := os.WriteFile(filepath.Join(root, stateDirName, serveFile), si, 0o600); err != nil {
			t.Fatal(err)
		}
		out.Reset()
		errOut.Reset()
		if code := run([]string{"status", "--json", "--dir", root}, &out, &errOut); code != 0 {
			t.Fatalf("status: %d %s", code, errOut.String())
		}
		var got struct{ Seq uint64 }
		if err := json.Unmarshal(out.Bytes(), &got); err != nil || got.Seq != tc.want {
			t.Errorf("serve.json naming pid %d: status says seq %d (%v), want %d", tc.pid, got.Seq, err, tc.want)
		}
	}
}
