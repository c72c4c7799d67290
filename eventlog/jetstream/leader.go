package jetstream

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Leadership. In a cluster the stream's leader is JetStream's: the member
// its Raft group elected. Any member may append (its server forwards the
// message to the leader, which orders and commits it), so a write never
// needs to know where the leader is; but only the orchestrator on the
// leading member dispatches, so that one process decides at a time. Its
// decisions are still fenced: a decision made just before leadership moved
// is an AppendIf at the tail it read, which fails with events.ErrConflict
// if the new leader's orchestrator appended first.

// watchEvery is how often a member looks at its own server for a change of
// the stream's leader (a lock and a map lookup: cheap).
const watchEvery = 50 * time.Millisecond

// clusterState is a member's view of the cluster, kept by a goroutine.
type clusterState struct {
	srv     *server.Server
	log     *slog.Logger
	account string
	stream  string
	members []string // route addresses, this member's first

	mu        sync.Mutex
	self      bool
	leader    string
	reachable bool          // the leader is this member or one it has a route to
	changed   chan struct{} // closed at the next change
	done      chan struct{}
	wg        sync.WaitGroup
}

func watchCluster(srv *server.Server, l *Log, members []string) *clusterState {
	c := &clusterState{srv: srv, log: l.log, account: srv.GlobalAccount().Name, stream: l.name, members: members,
		changed: make(chan struct{}), done: make(chan struct{})}
	c.look()
	c.wg.Go(func() {
		t := time.NewTicker(watchEvery)
		defer t.Stop()
		for {
			select {
			case <-c.done:
				return
			case <-t.C:
				c.look()
			}
		}
	})
	return c
}

func (c *clusterState) stop() {
	close(c.done)
	c.wg.Wait()
}

// look reads the stream's leader as this member's Raft node knows it, and
// announces a change.
func (c *clusterState) look() {
	self := c.srv.JetStreamIsStreamLeader(c.account, c.stream)
	leader := ""
	if d := c.local(); d != nil && d.Cluster != nil {
		leader = d.Cluster.Leader
	}
	if self {
		leader = c.srv.Name()
	}
	reach := self || leader != "" && slices.Contains(routed(c.srv), leader)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reachable = reach
	if self == c.self && leader == c.leader {
		return
	}
	c.self, c.leader = self, leader
	close(c.changed)
	c.changed = make(chan struct{})
}

// leaderReachable says whether this member knows a leader it can reach.
// While the leader is dead and no other is elected yet, nobody answers a
// request (the other replicas drop messages published to the stream, and
// JetStream's API leaves stream requests to the leader): it would wait out
// its whole attempt.
func (c *clusterState) leaderReachable() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reachable
}

// local is this member's own view of the stream (its replica's state, the
// leader it follows), read from its server without asking the others.
func (c *clusterState) local() *server.StreamDetail {
	ad, err := c.srv.JszAccount(&server.JSzOptions{Account: c.account, Streams: true})
	if err != nil {
		return nil
	}
	for i := range ad.Streams {
		if ad.Streams[i].Name == c.stream {
			return &ad.Streams[i]
		}
	}
	return nil
}

// waitReplica waits until this member's server has made its replica of
// the stream, if it holds one (with more members than replicas it may not).
func (c *clusterState) waitReplica(ctx context.Context) error {
	for c.srv.JetStreamIsStreamAssigned(c.account, c.stream) && c.local() == nil {
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w: this member did not make its replica of stream %s: %v", ErrNoQuorum, c.stream, context.Cause(ctx))
		case <-time.After(retryEvery):
		}
	}
	return nil
}

// Leader says whether this member leads the stream, and which member does
// ("" while none is elected). A single node always leads. It asks nobody:
// it is this member's Raft node's view, at most watchEvery old.
func (l *Log) Leader() (self bool, leader string) {
	if l.cluster == nil {
		return true, "swarm"
	}
	l.cluster.mu.Lock()
	defer l.cluster.mu.Unlock()
	return l.cluster.self, l.cluster.leader
}

// Changed is closed when what Leader says next changes: wait on it, call
// Leader, call Changed again. A single node's never closes.
func (l *Log) Changed() <-chan struct{} {
	if l.cluster == nil {
		return make(chan struct{})
	}
	l.cluster.mu.Lock()
	defer l.cluster.mu.Unlock()
	return l.cluster.changed
}

// ClusterInfo is the cluster as the stream's leader reports it (for status
// and metrics).
type ClusterInfo struct {
	Name    string       `json:"name"`   // the cluster's: swarm-FARM
	Self    string       `json:"self"`   // this member
	Leader  string       `json:"leader"` // the stream's leader; "" while none is elected
	Members []MemberInfo `json:"members"`
}

// MemberInfo is one replica of the stream.
type MemberInfo struct {
	Name    string `json:"name"`
	Leader  bool   `json:"leader"`
	Current bool   `json:"current"` // caught up with the leader
	Offline bool   `json:"offline"`
	// Lag is how many Raft entries (about one per append) it is behind.
	Lag uint64 `json:"lag"`
	// Active is how long ago the leader last heard from it (0 for itself).
	Active time.Duration `json:"active_ns"`
	// Last is the replica's last sequence number; only known of this member
	// (0 for the others).
	Last uint64 `json:"last,omitempty"`
}

// Cluster asks the stream's leader for the state of every replica. Without
// a leader it fails (wrapping ErrNoQuorum) and returns what this member
// knows alone: itself, and the leader it last followed.
func (l *Log) Cluster(ctx context.Context) (ClusterInfo, error) {
	if l.cluster == nil {
		last, err := l.Last(ctx)
		return ClusterInfo{Self: "swarm", Leader: "swarm", Members: []MemberInfo{
			{Name: "swarm", Leader: true, Current: true, Last: last}}}, err
	}
	c := l.cluster
	ci := ClusterInfo{Self: c.srv.Name()}
	var localLast uint64
	if d := c.local(); d != nil {
		localLast = d.State.LastSeq
		if d.Cluster != nil {
			ci.Name = d.Cluster.Name
		}
	}
	info, err := l.Info(ctx)
	if err != nil || info.Cluster == nil {
		_, ci.Leader = l.Leader()
		ci.Members = []MemberInfo{{Name: ci.Self, Leader: ci.Leader == ci.Self, Last: localLast}}
		return ci, fmt.Errorf("%w: cluster state: %v", ErrNoQuorum, err)
	}
	ci.Name, ci.Leader = info.Cluster.Name, info.Cluster.Leader
	ci.Members = append(ci.Members, MemberInfo{Name: ci.Leader, Leader: true, Current: true})
	for _, p := range info.Cluster.Replicas {
		ci.Members = append(ci.Members, MemberInfo{Name: p.Name, Current: p.Current, Offline: p.Offline,
			Lag: p.Lag, Active: p.Active})
	}
	for i := range ci.Members {
		if ci.Members[i].Name == ci.Self {
			ci.Members[i].Last = localLast
		}
	}
	return ci, nil
}
