package drone

import (
	"cmp"
	"encoding/base64"
	"net/url"
	"slices"
	"strings"
)

// TokenEnv is the environment variable that may carry the drone's token,
// so that it need not appear in `ps` or a shell history. Builds never see
// it (see buildEnviron).
const TokenEnv = "SWARM_DRONE_TOKEN"

// Redacted is what a secret becomes in text the drone sends.
const Redacted = "[redacted]"

// redactor hides the drone's secrets (its token) in text that leaves the
// drone: failure reasons, signatures and log excerpts. Build logs are
// written by whatever the build runs, and a build that prints its
// environment or a file it read would otherwise hand the token to the
// event log, where every reader of the farm's views would find it.
//
// It replaces each secret as an exact substring, and the forms a build is
// likely to print it in whole: URL-escaped (query and path) and base64
// (standard and URL alphabets, padded or not) of the secret alone. A
// secret hidden in some other encoding, or inside a larger base64 blob
// (such as "Basic " + base64("user:" + token)), is not found: redaction
// is a net for accidents, not a guard against a build that wants to leak.
type redactor struct {
	forms []string // longest first, so a longer form is replaced before a shorter one inside it
}

// minSecretLen is the shortest secret a redactor looks for: a shorter one
// would match ordinary text (a token "t" would take every t out of every
// excerpt, and PATH out of every build). `swarm drones add` makes tokens
// of 43 characters; a hand-made short one is still kept out of builds by
// its variable's name.
const minSecretLen = 8

// newRedactor returns a redactor of secrets; those shorter than
// minSecretLen are ignored.
func newRedactor(secrets ...string) redactor {
	var forms []string
	for _, s := range secrets {
		if len(s) < minSecretLen {
			continue
		}
		forms = append(forms, s, url.QueryEscape(s), url.PathEscape(s),
			base64.StdEncoding.EncodeToString([]byte(s)), base64.RawStdEncoding.EncodeToString([]byte(s)),
			base64.URLEncoding.EncodeToString([]byte(s)), base64.RawURLEncoding.EncodeToString([]byte(s)))
	}
	slices.SortFunc(forms, func(a, b string) int { return cmp.Or(cmp.Compare(len(b), len(a)), strings.Compare(a, b)) })
	return redactor{forms: slices.Compact(forms)}
}

// String returns s with every form of every secret replaced by Redacted.
func (r redactor) String(s string) string {
	for _, f := range r.forms {
		s = strings.ReplaceAll(s, f, Redacted)
	}
	return s
}

// Bytes is String for a byte slice; b is not changed.
func (r redactor) Bytes(b []byte) []byte {
	return []byte(r.String(string(b)))
}

// contains reports whether s holds any form of a secret.
func (r redactor) contains(s string) bool {
	for _, f := range r.forms {
		if strings.Contains(s, f) {
			return true
		}
	}
	return false
}

// buildEnviron is environ (as os.Environ gives it) without the drone's
// secrets: TokenEnv, any other SWARM_…TOKEN… variable (the farm's own
// secrets), and any variable whose value holds a form of a secret r knows,
// whatever its name. A build needs none of them, and whatever a build can
// read it can print into its log.
func buildEnviron(environ []string, r redactor) []string {
	out := make([]string, 0, len(environ))
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		if k == TokenEnv || (strings.HasPrefix(k, "SWARM_") && strings.Contains(k, "TOKEN")) || r.contains(v) {
			continue
		}
		out = append(out, kv)
	}
	return out
}
