package config

import (
	"slices"
	"strings"
	"testing"
)

// TestFlattenAndDiff: every setting is listed as config get names it, a
// token's hash never appears, and Diff names exactly what changed.
func TestFlattenAndDiff(t *testing.T) {
	before := Default()
	flat := Flatten(before)
	if !slices.ContainsFunc(flat, func(s string) bool { return strings.HasPrefix(s, `farm.lease="`) }) {
		t.Fatalf("no farm.lease in %v", flat)
	}
	after := Default()
	after.Farm.GroundAfter = before.Farm.GroundAfter + 7
	hash := TokenHash("s3cret")
	after.Drones = map[string]DroneConfig{"d1": {TokenSHA256: hash, Capabilities: []string{"amd64"}}}
	now, was := Diff(flat, Flatten(after))
	for _, s := range slices.Concat(now, was, Flatten(after)) {
		if strings.Contains(s, hash) {
			t.Fatalf("a token hash leaked: %q", s)
		}
	}
	keys := func(list []string) (out []string) {
		for _, kv := range list {
			k, _, _ := strings.Cut(kv, "=")
			out = append(out, k)
		}
		return out
	}
	want := []string{"drones.d1.capabilities", "drones.d1.cores", "drones.d1.slots", "drones.d1.token_sha256", "farm.ground_after"}
	if got := keys(now); !slices.Equal(got, want) || !slices.Equal(keys(was), want) {
		t.Fatalf("diff keys %v / %v, want %v", got, keys(was), want)
	}
	if !strings.HasPrefix(now[3], `drones.d1.token_sha256="(redacted `) || was[3] != "drones.d1.token_sha256=" {
		t.Errorf("token: now %q was %q", now[3], was[3])
	}
	if n, w := Diff(flat, Flatten(before)); len(n)+len(w) != 0 {
		t.Errorf("no change, diff %v %v", n, w)
	}
}
