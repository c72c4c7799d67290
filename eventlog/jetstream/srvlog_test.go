package jetstream

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// TestSrvLogHoldsBackRepeats: a peer down for a while is one line a
// minute, with the count of those held back, not one a second; other
// warnings are all logged and kept.
func TestSrvLogHoldsBackRepeats(t *testing.T) {
	var out bytes.Buffer
	s := &srvLog{log: slog.New(slog.NewTextHandler(&out, nil))}
	for i := range 100 {
		s.Errorf("Error trying to connect to route (attempt %v): %v", i, "connection refused")
		s.Warnf("Waiting for routing to be established...")
	}
	s.Warnf("Filestore [%s] stream state outdated", "SWARM_farm")
	if n := strings.Count(out.String(), "\n"); n != 3 {
		t.Errorf("logged %d lines, want 3 (one route error, one wait, the filestore warning):\n%s", n, out.String())
	}
	if got := len(s.Alarms()); got != 3 {
		t.Errorf("kept %d alarms, want 3", got)
	}
	// A minute later the next one is logged, saying how many were held.
	s.said["Error trying to connect to route (attempt %v): %v"] = time.Now().Add(-repeatEvery)
	s.Errorf("Error trying to connect to route (attempt %v): %v", 100, "connection refused")
	if !strings.Contains(out.String(), "and 99 like it") {
		t.Errorf("the line after a minute does not count the 99 held back:\n%s", out.String())
	}
}
