package drone

import (
	"encoding/base64"
	"slices"
	"strings"
	"testing"
)

// token is shaped like the ones `swarm drones add` prints: 32 random bytes
// as unpadded URL-safe base64.
const token = "q5b-Xr0_Jd3lKx9uTgWc2hYp7NvMZa1sEoQi4fLR8eA"

func TestRedactor(t *testing.T) {
	odd := "a b&c/d+e=f" // a hand-made token that URL escaping changes
	tests := []struct {
		name    string
		secrets []string
		in      string
		want    string
	}{
		{"no secret", nil, "SWARM_DRONE_TOKEN=" + token, "SWARM_DRONE_TOKEN=" + token},
		{"empty secret ignored", []string{""}, "anything", "anything"},
		{"short secret ignored", []string{"t0k"}, "PATH=/bin t0k", "PATH=/bin t0k"},
		{"exact", []string{token}, "SWARM_DRONE_TOKEN=" + token + "\nPATH=/bin", "SWARM_DRONE_TOKEN=[redacted]\nPATH=/bin"},
		{"every occurrence", []string{token}, token + token + " " + token, "[redacted][redacted] [redacted]"},
		{"inside a word", []string{token}, "Bearer" + token + "x", "Bearer[redacted]x"},
		{"base64 std", []string{token}, "b64: " + base64.StdEncoding.EncodeToString([]byte(token)), "b64: [redacted]"},
		{"base64 raw url", []string{token}, "b64: " + base64.RawURLEncoding.EncodeToString([]byte(token)) + ".", "b64: [redacted]."},
		{"query escaped", []string{odd}, "url ?t=a+b%26c%2Fd%2Be%3Df&x", "url ?t=[redacted]&x"},
		{"path escaped", []string{odd}, "url /a%20b&c%2Fd+e=f/", "url /[redacted]/"},
		{"exact odd", []string{odd}, "token = \"a b&c/d+e=f\"", "token = \"[redacted]\""},
		{"a piece is not the token", []string{token}, "q5b-Xr0_Jd3lKx9uTgWc2hYp7NvMZa1sEoQi4fLR8e", "q5b-Xr0_Jd3lKx9uTgWc2hYp7NvMZa1sEoQi4fLR8e"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRedactor(tt.secrets...)
			if got := r.String(tt.in); got != tt.want {
				t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if got := string(r.Bytes([]byte(tt.in))); got != tt.want {
				t.Errorf("Bytes(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestBuildEnviron(t *testing.T) {
	environ := []string{
		"PATH=/usr/bin",
		"SWARM_DRONE_TOKEN=" + token,
		"SWARM_DRONE_TOKEN=", // even empty: a build has no business with it
		"SWARM_TOKEN=operator-secret",
		"SWARM_READ_TOKEN_FILE=/etc/swarm/read",
		"SWARM_DIR=/var/lib/swarm",
		"MY_COPY=Bearer " + token,
		"ENCODED=" + base64.StdEncoding.EncodeToString([]byte(token)),
		"FAKE_EMERGE_FAIL=*",
		"NOEQUALS",
	}
	got := buildEnviron(environ, newRedactor(token))
	want := []string{"PATH=/usr/bin", "SWARM_DIR=/var/lib/swarm", "FAKE_EMERGE_FAIL=*", "NOEQUALS"}
	if !slices.Equal(got, want) {
		t.Errorf("buildEnviron =\n  %q\nwant\n  %q", got, want)
	}
	for _, kv := range got {
		if strings.Contains(kv, token) {
			t.Errorf("%q holds the token", kv)
		}
	}
	short := buildEnviron([]string{"PATH=/usr/bin", "SWARM_DRONE_TOKEN=t"}, newRedactor("t"))
	if !slices.Equal(short, []string{"PATH=/usr/bin"}) {
		t.Errorf("with the token \"t\": %q, want PATH kept and the token's variable gone", short)
	}
}

func TestExcerptOfRedactedTailHoldsNoPieceOfToken(t *testing.T) {
	// The token sits where the excerpt's byte limit would cut it: redacted
	// first, nothing of it can be left at the cut.
	pad := strings.Repeat("x", excerptMaxBytes-len(token)/2)
	tail := []byte("SWARM_DRONE_TOKEN=" + token + pad)
	if got := excerpt(tail); !strings.Contains(got, token[len(token)-10:]) {
		t.Fatalf("the test is wrong: the excerpt of the raw tail does not cut the token: %q…", got[:min(len(got), 80)])
	}
	got := excerpt(newRedactor(token).Bytes(tail))
	if strings.Contains(got, token[len(token)-10:]) {
		t.Errorf("excerpt holds the end of the token: %q…", got[:min(len(got), 80)])
	}
}
