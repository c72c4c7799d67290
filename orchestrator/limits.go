package orchestrator

import (
	"fmt"

	"github.com/swarm-build/swarm/config"
)

// connLimits derives the connection limits from [server] and the process's
// descriptor limit nofile: a key left at 0 takes its share of nofile, less
// a margin for the log's segments, snapshots and config reads. A limit
// set at or above nofile is refused, since the server would run out of
// descriptors before it refused a connection.
func connLimits(s config.ServerConfig, nofile uint64) (ConnLimits, error) {
	margin := min(max(int(nofile/8), 64), 1024)
	lim := ConnLimits{Max: s.MaxConnections, PerAddr: s.MaxConnectionsPerAddr, Reserved: s.DroneConnections}
	if lim.Max == 0 {
		lim.Max = int(min(nofile, 1<<30)) - margin
	}
	if lim.Max < 16 || uint64(lim.Max) >= nofile {
		return lim, fmt.Errorf("server.max_connections (%d) must be at least 16 and below the descriptor limit (%d; ulimit -n)",
			lim.Max, nofile)
	}
	if lim.PerAddr == 0 {
		lim.PerAddr = max(lim.Max/4, 1)
	}
	if lim.Reserved == 0 {
		lim.Reserved = lim.Max / 4
	}
	if lim.Reserved >= lim.Max {
		return lim, fmt.Errorf("server.drone_connections (%d) must be below the connection limit (%d)", lim.Reserved, lim.Max)
	}
	return lim, nil
}
