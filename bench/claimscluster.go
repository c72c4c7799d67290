package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"

	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/config"
	"github.com/swarm-build/swarm/eventlog/jetstream"
)

// claimsHTTPCluster is claimsHTTPJetStream with the log on a cluster of
// three JetStream members (routes over loopback TCP, replicas 3, every write
// synced on each): the real orchestrator runs on member a, whose appends
// JetStream forwards to the stream's leader and acknowledges once two
// members hold them. Against the same server on the file log, interleaved.
func (r *runner) claimsHTTPCluster(ctx context.Context) error {
	const name, n = "claims_http_cluster_16", 16
	r.progress("%s: %d rounds × %v a side, %d drones claiming and completing over loopback HTTP (file log vs a 3-member JetStream cluster)",
		name, r.sz.httpRounds, r.sz.httpSlice, n)
	logs, err := clusterLogs(filepath.Join(r.scratch, name))
	if err != nil {
		return r.fail(name, unitRate, err)
	}
	file, err := r.claimSide(ctx, filepath.Join(r.scratch, name, "file"), n, config.LogConfig{})
	if err != nil {
		return r.fail(name, unitRate, err)
	}
	defer file.close()
	// Member a's store opens as b and c open theirs: the cluster forms when
	// all three are up.
	type opened struct {
		l   *jetstream.Log
		err error
	}
	others := make(chan opened, 2)
	for _, m := range []string{"b", "c"} {
		go func() {
			jo, err := commands.JetStreamOptions(logs[m].JetStream, commands.StoreOptions{})
			var l *jetstream.Log
			if err == nil {
				l, err = jetstream.Open(ctx, filepath.Join(r.scratch, name, m), jo)
			}
			others <- opened{l, err}
		}()
	}
	clu, err := r.claimSide(ctx, filepath.Join(r.scratch, name, "a"), n, logs["a"])
	for range 2 {
		o := <-others
		if o.l != nil {
			defer o.l.Close()
		}
		err = errors.Join(err, o.err)
	}
	if err != nil {
		if clu != nil {
			clu.close()
		}
		return r.fail(name, unitRate, fmt.Errorf("form the cluster: %w", err))
	}
	defer clu.close()
	return r.compareClaims(ctx, name, file, clu)
}

// clusterLogs are the [log] tables of three members a, b and c on loopback
// ports free now.
func clusterLogs(root string) (map[string]config.LogConfig, error) {
	members := map[string]config.JetStreamMember{}
	for _, m := range []string{"a", "b", "c"} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		members[m] = config.JetStreamMember{Route: ln.Addr().String(), URL: "http://127.0.0.1:1"}
		ln.Close()
	}
	logs := map[string]config.LogConfig{}
	for m := range members {
		c := config.Default().Log
		c.Backend = config.BackendJetStream
		c.JetStream.Name, c.JetStream.ClusterListen, c.JetStream.Replicas = m, members[m].Route, config.ClusterSize
		c.JetStream.RouteSecret, c.JetStream.Members = "bench-members-only-0123456789", members
		logs[m] = c
	}
	return logs, nil
}
