package config

import (
	"net/url"
	"slices"

	"github.com/swarm-build/swarm/eventlog/jetstream"
)

// The backends [log] backend names.
const (
	BackendFile      = "file"      // .swarm/events: segments on this machine's disk
	BackendJetStream = "jetstream" // .swarm/jetstream: an embedded NATS JetStream server
)

// JetStreamConfig is [log.jetstream]: the embedded JetStream server that
// holds the log when [log] backend is "jetstream". A single node leaves
// name, cluster_listen and members empty with replicas 1; a cluster names
// three members, this one included, with replicas 3.
type JetStreamConfig struct {
	Farm          string                     `toml:"farm"`           // the stream's name part
	Name          string                     `toml:"name"`           // this member's name; "" = single node
	Listen        string                     `toml:"listen"`         // NATS client address for other hosts; "" = loopback only
	ClusterListen string                     `toml:"cluster_listen"` // this member's route address (cluster)
	Replicas      int                        `toml:"replicas"`       // 1 (single node) or 3 (cluster)
	RouteSecret   string                     `toml:"route_secret"`   // what members present to each other (cluster)
	Members       map[string]JetStreamMember `toml:"members"`        // by member name, this one included
}

// JetStreamMember is [log.jetstream.members.NAME]: one orchestrator host of
// a cluster.
type JetStreamMember struct {
	Route string `toml:"route"` // its cluster_listen
	URL   string `toml:"url"`   // its HTTP API, where drones and followers are sent
}

// MinRouteSecret is the shortest route secret taken: whoever can reach a
// member's route listener and knows it can join the cluster and write the
// farm's log.
const MinRouteSecret = 16

// ClusterSize is how many members a cluster has: JetStream keeps a
// stream's replicas on a majority, and three is the least that survives
// one loss.
const ClusterSize = 3

// Cluster reports whether the configuration describes a cluster member
// rather than a single node.
func (j JetStreamConfig) Cluster() bool { return j.Name != "" || j.Replicas != 1 || len(j.Members) > 0 }

func (j JetStreamConfig) validate(v *validator) {
	const key = "log.jetstream"
	v.check(j.Farm != "" && jetstream.CheckFarm(j.Farm) == nil, key+".farm",
		"%q must be letters, digits, - and _ (at most 64)", j.Farm)
	v.check(j.Listen == "" || validHostPort(j.Listen), key+".listen",
		"%q is not host:port (like \"0.0.0.0:4222\") or \"\"", j.Listen)
	v.check(j.Replicas == 1 || j.Replicas == ClusterSize, key+".replicas", "must be 1 or %d, not %d", ClusterSize, j.Replicas)
	if !j.Cluster() {
		v.check(j.ClusterListen == "", key+".cluster_listen", "is for a cluster: set name, members and replicas = 3 too")
		return
	}
	j.validateCluster(v)
}

// validateCluster checks a cluster member's keys: three members, this one
// among them, each with its own route and an HTTP URL, and three replicas.
func (j JetStreamConfig) validateCluster(v *validator) {
	const key = "log.jetstream"
	v.check(validID.MatchString(j.Name), key+".name", "%q must be letters, digits, - and _ (at most 64)", j.Name)
	v.check(j.Replicas == ClusterSize, key+".replicas", "must be %d in a cluster, not %d", ClusterSize, j.Replicas)
	v.check(len(j.Members) == ClusterSize, key+".members", "a cluster has %d members, not %d", ClusterSize, len(j.Members))
	_, self := j.Members[j.Name]
	v.check(self, key+".members", "must include this member, %q", j.Name)
	v.check(validHostPort(j.ClusterListen), key+".cluster_listen", "%q is not host:port (like \"10.0.0.1:6222\")", j.ClusterListen)
	v.check(len(j.RouteSecret) >= MinRouteSecret, key+".route_secret",
		"must be at least %d characters, the same on every member (make one with: openssl rand -hex 24)", MinRouteSecret)
	var routes []string
	for _, name := range sortedKeys(j.Members) {
		m, mk := j.Members[name], key+".members."+joinKey([]string{name})
		v.check(validID.MatchString(name), mk, "name must be letters, digits, - and _ (at most 64)")
		v.check(validHostPort(m.Route), mk+".route", "%q is not host:port (like \"10.0.0.1:6222\")", m.Route)
		v.check(!slices.Contains(routes, m.Route), mk+".route", "%q is another member's route too", m.Route)
		routes = append(routes, m.Route)
		u, err := url.Parse(m.URL)
		v.check(err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "", mk+".url",
			"%q is not an HTTP URL (like \"http://10.0.0.1:8093\")", m.URL)
	}
}
