package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// tiny shrinks every probe so that Run takes a second or two.
var tiny = sizes{rounds: 2, slice: time.Hour, single: 10, groupPer: 3, bulkCalls: 2,
	replayEvents: 30_000, replayRounds: 2, statusRuns: 2, segmentBytes: 64 << 10,
	httpRounds: 2, httpSlice: time.Hour, httpCap: 200, snapPackages: 12_000, snapRun: 100 * time.Millisecond}

// fakeSwarm writes a shell script standing in for the swarm binary: init
// makes the folder, version prints one, status prints a status for seq.
func fakeSwarm(t *testing.T, seq int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "swarm")
	script := fmt.Sprintf(`#!/bin/sh
case "$1" in
init) mkdir -p "$2/.swarm" && echo '# config' > "$2/.swarm/config.toml" ;;
version) echo "swarm test" ;;
status) echo '{"seq": %d}' ;;
*) exit 2 ;;
esac
`, seq)
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRunTiny(t *testing.T) {
	var lines []string
	opts := Options{Dir: t.TempDir(), SwarmBinary: fakeSwarm(t, tiny.replayEvents), sizes: &tiny,
		Progress: func(s string) { lines = append(lines, s) }}
	rep, err := Run(context.Background(), opts)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	want := []string{"append_single", "append_group_64", "append_group_64_p99", "append_bulk_1000",
		"replay_1m", "status_cold_ms", "compression_ratio", "framing_overhead",
		"compression_ratio_loose", "framing_overhead_loose",
		"claims_http_64", "claims_http_64_p50", "claims_http_64_p99",
		"claims_http_16", "claims_http_16_p50", "claims_http_16_p99",
		"claims_http_jetstream_16", "claims_http_jetstream_16_p50", "claims_http_jetstream_16_p99",
		"heartbeats_http_64", "heartbeats_http_64_p99", "snapshot_worst_ms",
		"claims_http_cluster_16", "claims_http_cluster_16_p50", "claims_http_cluster_16_p99"}
	if len(rep.Results) != len(want) {
		t.Fatalf("got %d results, want %d: %+v", len(rep.Results), len(want), rep.Results)
	}
	for i, res := range rep.Results {
		if res.Name != want[i] || res.Unit == "" || res.Goal == "" {
			t.Errorf("result %d: %+v", i, res)
		}
		for _, v := range []float64{res.Value, res.Raw, res.Ratio} {
			if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
				t.Errorf("%s: not a finite figure: %+v", res.Name, res)
			}
		}
		if res.Skipped || strings.HasPrefix(res.Detail, "error") || res.Value == 0 {
			t.Errorf("%s did not measure: %+v", res.Name, res)
		}
	}
	if len(lines) != 12 {
		t.Errorf("progress lines: %q", lines)
	}
	checkShape(t, rep)
}

// checkShape checks the JSON keys scripts rely on and that the text table
// names every result.
func checkShape(t *testing.T, rep Report) {
	t.Helper()
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		Env     map[string]any   `json:"env"`
		Results []map[string]any `json:"results"`
	}
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"go_version", "goos", "goarch", "cpus", "date"} {
		if _, ok := back.Env[k]; !ok {
			t.Errorf("env lacks %q: %s", k, b)
		}
	}
	for _, res := range back.Results {
		for _, k := range []string{"name", "value", "unit", "ratio", "goal", "pass"} {
			if _, ok := res[k]; !ok {
				t.Errorf("result lacks %q: %v", k, res)
			}
		}
	}
	var text bytes.Buffer
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, res := range rep.Results {
		if !strings.Contains(text.String(), res.Name) {
			t.Errorf("text lacks %s:\n%s", res.Name, text.String())
		}
	}
	t.Logf("\n%s", text.String())
}

func TestRunSkipsStatusWithoutBinary(t *testing.T) {
	small := tiny
	small.replayEvents = 3000
	rep, err := Run(context.Background(), Options{Dir: t.TempDir(), sizes: &small})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	for _, res := range rep.Results {
		if res.Name == "status_cold_ms" && (!res.Skipped || res.Pass) {
			t.Errorf("status without a binary: %+v", res)
		}
		if res.Name == "compression_ratio" && !res.Skipped {
			t.Errorf("a log of one segment has no sealed segment to measure: %+v", res)
		}
	}
	if f := rep.Failed(); len(f) > 0 && !strings.HasPrefix(f[0].Name, "append") {
		t.Logf("failed (allowed on a slow disk): %+v", f)
	}
}

func TestRunStatusWrongSeq(t *testing.T) {
	small := tiny
	small.replayEvents = 3000
	rep, err := Run(context.Background(), Options{Dir: t.TempDir(), sizes: &small, SwarmBinary: fakeSwarm(t, 7)})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	for _, res := range rep.Results {
		if res.Name == "status_cold_ms" && (res.Pass || !strings.Contains(res.Detail, "seq 7")) {
			t.Errorf("a status that disagrees with the log passed: %+v", res)
		}
	}
}

func TestCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, Options{Dir: t.TempDir(), sizes: &tiny}); err == nil {
		t.Fatal("a cancelled run reported no error")
	}
}

func TestFigures(t *testing.T) {
	cases := map[string]string{
		figure(1234567.4, "events/s"):              "1,234,567 events/s",
		figure(12.345, "ms"):                       "12.3 ms",
		figure(0.5, "ms"):                          "0.500 ms",
		figure(5.123, "x"):                         "5.12x",
		thousands(-1000):                           "-1,000",
		unescapeMount(`/mnt/a\040b`):               "/mnt/a b",
		fmt.Sprint(median([]float64{3, 1, 2, 10})): "2.5",
	}
	for got, want := range cases {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}

// --probe picks groups: only their results, in the run's order; a name
// that is no group is refused before anything runs.
func TestRunPicksProbeGroups(t *testing.T) {
	dir := t.TempDir()
	rep, err := Run(context.Background(), Options{Dir: dir, sizes: &tiny, Probes: []string{"heartbeats", "append"}})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	var names []string
	for _, res := range rep.Results {
		names = append(names, res.Name)
	}
	want := []string{"heartbeats_http_64", "heartbeats_http_64_p99", "append_single", "append_group_64",
		"append_group_64_p99", "append_bulk_1000"}
	if !slices.Equal(names, want) {
		t.Fatalf("results %q, want %q", names, want)
	}
	if _, err := Run(context.Background(), Options{Dir: dir, sizes: &tiny, Probes: []string{"claims", "nope"}}); !errors.Is(err, ErrUnknownProbe) {
		t.Fatalf("an unknown group: %v, want ErrUnknownProbe", err)
	}
}
