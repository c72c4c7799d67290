package orchestrator

import (
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/swarm-build/swarm/config"
)

// dummyHash is compared against when the drone is unknown, so an unknown id
// costs the same as a wrong token and timing tells an attacker nothing.
var dummyHash = config.TokenHash("")

// authorized reports whether r carries drone id's bearer token. The file
// keeps only the token's SHA-256, so the token presented is hashed and the
// hashes compared in constant time.
func authorized(cfg *config.Config, id string, r *http.Request) bool {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	want := dummyHash
	d, known := cfg.Drones[id]
	if known {
		want = d.TokenSHA256
	}
	got := config.TokenHash(strings.TrimSpace(token))
	match := subtle.ConstantTimeCompare([]byte(got), []byte(strings.ToLower(want))) == 1
	return ok && known && token != "" && match
}

// operatorAuthorized reports whether r carries the bearer token of one of
// the operators (either role: both may read). Every operator's hash is
// compared, in constant time, so timing tells nothing of which matched.
//
// A browser cannot put a header on the dashboard's requests (an
// EventSource sends none), so the token may come in the cookie that the
// dashboard's sign-in sets instead (see operatorToken).
func operatorAuthorized(cfg *config.Config, r *http.Request) bool {
	token, ok := operatorToken(r)
	got := []byte(config.TokenHash(token))
	match := 0
	for _, o := range cfg.Operators {
		match |= subtle.ConstantTimeCompare(got, []byte(strings.ToLower(o.TokenSHA256)))
	}
	return ok && token != "" && match == 1
}
