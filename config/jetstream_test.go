package config

import (
	"errors"
	"strings"
	"testing"
)

// cluster3 is a valid cluster member's [log] section; the cases below
// break one thing each.
const cluster3 = `[log]
backend = "jetstream"
[log.jetstream]
name = "a"
cluster_listen = "127.0.0.1:6222"
replicas = 3
route_secret = "members-only-0123456789"
[log.jetstream.members.a]
route = "127.0.0.1:6222"
url = "http://127.0.0.1:8093"
[log.jetstream.members.b]
route = "127.0.0.1:6223"
url = "http://127.0.0.1:8094"
[log.jetstream.members.c]
route = "127.0.0.1:6224"
url = "http://127.0.0.1:8095"
`

// TestJetStreamKeys: [log] backend and [log.jetstream] accept a single
// node and a three-member cluster, and refuse each broken key with one line
// naming it.
func TestJetStreamKeys(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string // "" = accepted
	}{
		{"[log]\nbackend = \"jetstream\"\n", ""},
		{"[log]\nbackend = \"file\"\n", ""},
		{"[log]\nbackend = \"nats\"\n", `log.backend: must be "file" or "jetstream", not "nats"`},
		{"[log.jetstream]\nfarm = \"a.b\"\n", `log.jetstream.farm: "a.b" must be letters, digits, - and _`},
		{"[log.jetstream]\nfarm = \"\"\n", `log.jetstream.farm: "" must be letters`},
		{"[log.jetstream]\nlisten = \"127.0.0.1:4222\"\n", ""},
		{"[log.jetstream]\nlisten = \"nowhere\"\n", `log.jetstream.listen: "nowhere" is not host:port`},
		{"[log.jetstream]\nreplicas = 2\n", `log.jetstream.replicas: must be 1 or 3, not 2`},
		{"[log.jetstream]\ncluster_listen = \"127.0.0.1:6222\"\n", `log.jetstream.cluster_listen: is for a cluster`},
		{cluster3, ""},
		{strings.Replace(cluster3, "replicas = 3", "replicas = 1", 1), `log.jetstream.replicas: must be 3 in a cluster, not 1`},
		{strings.Replace(cluster3, `name = "a"`, `name = "d"`, 1), `log.jetstream.members: must include this member, "d"`},
		{strings.Replace(cluster3, "[log.jetstream.members.c]\nroute = \"127.0.0.1:6224\"\nurl = \"http://127.0.0.1:8095\"\n", "", 1),
			`log.jetstream.members: a cluster has 3 members, not 2`},
		{strings.Replace(cluster3, `route = "127.0.0.1:6224"`, `route = "127.0.0.1:6223"`, 1),
			`log.jetstream.members.c.route: "127.0.0.1:6223" is another member's route too`},
		{strings.Replace(cluster3, `url = "http://127.0.0.1:8095"`, `url = "127.0.0.1:8095"`, 1),
			`log.jetstream.members.c.url: "127.0.0.1:8095" is not an HTTP URL`},
		{strings.Replace(cluster3, `route_secret = "members-only-0123456789"`, `route_secret = "short"`, 1),
			`log.jetstream.route_secret: must be at least 16 characters`},
		{strings.Replace(cluster3, `cluster_listen = "127.0.0.1:6222"`, `cluster_listen = ""`, 1),
			`log.jetstream.cluster_listen: "" is not host:port`},
	} {
		_, err := Parse([]byte(tc.in))
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("Parse(%q): %v", tc.in, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("Parse(%q) = %v\nwant an error with %s", tc.in, err, tc.want)
		case err != nil && !errors.Is(err, ErrBadValue):
			t.Errorf("Parse(%q) = %v, not ErrBadValue", tc.in, err)
		case err != nil && strings.Contains(err.Error(), "\n"):
			t.Errorf("Parse(%q) = %q: more than one line", tc.in, err)
		}
	}
}
