package jetstream

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nuid"
)

// ErrNoQuorum: too few members of the cluster answer to elect the stream's
// leader or to commit to it, within the time the caller gave (or
// quorumWait). An append that fails with it was not acknowledged, and may
// still land later (see AppendIf): the caller must read the log again
// before it decides anew, which an AppendIf at the old tail does by failing
// with events.ErrConflict.
var ErrNoQuorum = errors.New("jetstream: no quorum")

// ErrClusterOptions: cluster options that cannot make a cluster.
var ErrClusterOptions = errors.New("jetstream: bad cluster options")

// routeUser is the user name members present with the route secret.
const routeUser = "swarm-member"

// formTimeout bounds how long Open waits for the cluster to form (a quorum
// of members reachable, the stream and its leader found) when its context
// has no deadline.
const formTimeout = time.Minute

var memberName = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// clusterOptions sets the server options for a cluster member and returns
// the members' route addresses, this one's first; nil for a single node.
func clusterOptions(so *server.Options, opts Options) ([]string, error) {
	if opts.Replicas <= 1 {
		if opts.ClusterListen != "" || len(opts.Routes) > 0 {
			return nil, fmt.Errorf("%w: a cluster listener or routes need replicas above 1", ErrClusterOptions)
		}
		return nil, nil
	}
	if !memberName.MatchString(opts.Name) {
		return nil, fmt.Errorf("%w: member name %q is not 1-64 letters, digits, '.', '-' and '_'", ErrClusterOptions, opts.Name)
	}
	if opts.RouteSecret == "" {
		return nil, fmt.Errorf("%w: a cluster needs a route secret", ErrClusterOptions)
	}
	host, port, err := splitAddr(opts.ClusterListen)
	if err != nil {
		return nil, fmt.Errorf("%w: cluster listen: %v", ErrClusterOptions, err)
	}
	members := []string{opts.ClusterListen}
	var routes []*url.URL
	for _, r := range opts.Routes {
		if _, _, err := splitAddr(r); err != nil {
			return nil, fmt.Errorf("%w: route: %v", ErrClusterOptions, err)
		}
		if slices.Contains(members, r) {
			continue // itself, or twice
		}
		members = append(members, r)
		routes = append(routes, &url.URL{Scheme: "nats-route", Host: r, User: url.UserPassword(routeUser, opts.RouteSecret)})
	}
	if len(members) < opts.Replicas {
		return nil, fmt.Errorf("%w: %d replicas need as many members, the routes name %d", ErrClusterOptions, opts.Replicas, len(members))
	}
	// nats-server starts routing only once it accepts clients, so a member
	// listens for them too: on loopback, a random port, with a token only
	// this process knows (its own in-process connection uses it).
	so.DontListen, so.Host, so.Port, so.Authorization = false, "127.0.0.1", server.RANDOM_PORT, nuid.Next()
	so.ServerName = opts.Name
	so.Cluster = server.ClusterOpts{Name: "swarm-" + opts.Farm, Host: host, Port: port,
		Username: routeUser, Password: opts.RouteSecret}
	so.Routes = routes
	return members, nil
}

func splitAddr(s string) (string, int, error) {
	host, p, err := net.SplitHostPort(s)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(p)
	if err != nil || port <= 0 || port > 65535 {
		return "", 0, fmt.Errorf("%q: bad port", s)
	}
	return host, port, nil
}

// join connects to the member's own server in-process and waits until the
// cluster has formed: the stream found (or created, by whichever member
// gets there first, with Replicas replicas) and its leader elected. It
// gives up when ctx ends or after formTimeout, naming the members it
// reached. The token is the server's, for its client listener.
func join(ctx context.Context, srv *server.Server, token string, opts Options, members []string) (*Log, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, formTimeout)
		defer cancel()
	}
	nc, err := nats.Connect("", nats.InProcessServer(srv), nats.Name("swarm"), nats.Token(token))
	if err != nil {
		return nil, fmt.Errorf("jetstream: connect: %w", err)
	}
	for {
		l, err := tryJoin(ctx, srv, nc, opts)
		if err == nil {
			l.cluster = watchCluster(srv, l, members)
			if err = l.cluster.waitReplica(ctx); err != nil {
				l.cluster.stop()
				nc.Close()
				return nil, err
			}
			return l, nil
		}
		select {
		case <-ctx.Done():
			nc.Close()
			return nil, fmt.Errorf("%w: the cluster did not form: %s: %v", ErrNoQuorum, reachable(srv, len(members)), err)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// tryJoin is one attempt of join's.
func tryJoin(ctx context.Context, srv *server.Server, nc *nats.Conn, opts Options) (*Log, error) {
	if !srv.JetStreamIsCurrent() {
		// No metadata leader yet: JetStream's API would not answer.
		return nil, errors.New("JetStream's metadata has no leader yet")
	}
	actx, cancel := context.WithTimeout(ctx, 2*time.Second) // creating the stream waits for its replicas
	defer cancel()
	l, err := attach(actx, nc, opts)
	if err != nil {
		return nil, err
	}
	info, err := l.stream.Info(actx)
	if err != nil {
		return nil, err
	}
	if info.Cluster == nil || info.Cluster.Leader == "" {
		return nil, errors.New("the stream has no leader yet")
	}
	return l, nil
}

// reachable says how many of n members this one has routes to, and which.
func reachable(srv *server.Server, n int) string {
	names := append([]string{srv.Name()}, routed(srv)...)
	return fmt.Sprintf("%d of %d members reachable (%s)", len(names), n, strings.Join(names, ", "))
}

// routed are the members this one has a route to now.
func routed(srv *server.Server) []string {
	var names []string
	if rz, err := srv.Routez(nil); err == nil {
		for _, r := range rz.Routes {
			if r.RemoteName != "" && !slices.Contains(names, r.RemoteName) {
				names = append(names, r.RemoteName)
			}
		}
	}
	return names
}

// reach is reachable for this member.
func (c *clusterState) reach() string { return reachable(c.srv, len(c.members)) }
