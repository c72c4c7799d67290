package orchestrator

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/swarm-build/swarm/api"
	"github.com/swarm-build/swarm/config"
)

// Idle connections from anyone cannot crowd out a drone: past the limits
// the longest-idle unauthenticated connection is closed for a new one, and
// a connection that presented a drone's token is never closed for room.
func TestIdleConnectionsDoNotCrowdOutDrones(t *testing.T) {
	const max, perAddr, reserved = 16, 8, 4
	ts := startServer(t, func(c *config.Config) {
		c.Server.MaxConnections, c.Server.MaxConnectionsPerAddr, c.Server.DroneConnections = max, perAddr, reserved
	}, "a")
	keep := &http.Client{}
	a := api.NewClient(ts.url, "a", "token-a", keep)
	register(t, a, 1) // its connection now holds a token
	addr := strings.TrimPrefix(ts.url, "http://")
	var flood []net.Conn
	defer func() {
		for _, c := range flood {
			c.Close()
		}
	}()
	for range 200 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		flood = append(flood, c)
		// The server takes each connection before the next (an idle
		// one is closed for it), so the limits hold throughout.
		waitUntil(t, "the server to take the connection", func() bool {
			return ts.srv.conns.accepted.Load() >= int64(len(flood))+1
		})
		if total, unauth := ts.srv.conns.counts(); total > max || unauth > perAddr {
			t.Fatalf("holding %d connections (%d unauthenticated); limits %d, %d from one address", total, unauth, max, perAddr)
		}
	}
	// The first idle connections were closed to make room.
	_ = flood[0].SetReadDeadline(time.Now().Add(30 * time.Second))
	if n, err := flood[0].Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("the oldest idle connection: read %d, %v; want it closed (EOF)", n, err)
	}
	// The drone's kept-alive connection still works, and so does a new one.
	for range 3 {
		if _, err := a.Heartbeat(context.Background(), api.HeartbeatRequest{Health: "healthy"}); err != nil {
			t.Fatalf("heartbeat on the drone's connection: %v", err)
		}
	}
	fresh := api.NewClient(ts.url, "a", "token-a", &http.Client{})
	if _, err := fresh.Heartbeat(context.Background(), api.HeartbeatRequest{Health: "healthy"}); err != nil {
		t.Fatalf("heartbeat on a new connection: %v", err)
	}
}

func TestConnLimitsFromTheDescriptorLimit(t *testing.T) {
	for _, tc := range []struct {
		cfg    config.ServerConfig
		nofile uint64
		want   ConnLimits
		bad    bool
	}{
		{config.ServerConfig{}, 1024, ConnLimits{Max: 896, PerAddr: 224, Reserved: 224}, false},
		{config.ServerConfig{}, 2048, ConnLimits{Max: 1792, PerAddr: 448, Reserved: 448}, false},
		{config.ServerConfig{}, 1 << 20, ConnLimits{Max: 1<<20 - 1024, PerAddr: (1<<20 - 1024) / 4, Reserved: (1<<20 - 1024) / 4}, false},
		{config.ServerConfig{MaxConnections: 100, MaxConnectionsPerAddr: 10, DroneConnections: 20}, 1024, ConnLimits{100, 10, 20}, false},
		{config.ServerConfig{MaxConnections: 2000}, 1024, ConnLimits{}, true},
		{config.ServerConfig{}, 70, ConnLimits{}, true},
	} {
		got, err := connLimits(tc.cfg, tc.nofile)
		if (err != nil) != tc.bad || (!tc.bad && got != tc.want) {
			t.Errorf("connLimits(%+v, %d) = %+v, %v; want %+v (error: %v)", tc.cfg, tc.nofile, got, err, tc.want, tc.bad)
		}
	}
}
