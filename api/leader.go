package api

import "errors"

// Leadership: with several orchestrators on one replicated log, only the
// one holding the log's leadership decides (dispatches, records reports);
// the others are followers that serve the read views from the log they
// follow and refuse every write.
//
// A follower answers a write with 503 Service Unavailable, code
// CodeNotLeader, and the leader's base URL in LeaderHeader (empty while no
// leader is known). 503 rather than 421, so that a client that knows one
// URL only (an older drone) retries as it does for any 5xx instead of
// giving the call up as refused.
const (
	// LeaderHeader names the leader's base URL on a follower's refusal.
	LeaderHeader = "Swarm-Leader"
	// CodeNotLeader is a follower's refusal of a write (503).
	CodeNotLeader = "not_leader"
)

// ErrNotLeader is a write sent to an orchestrator that does not lead; the
// answer's LeaderHeader says which one does.
var ErrNotLeader = errors.New("this orchestrator does not lead the farm")

// The roles an orchestrator reports in Ready.Role.
const (
	RoleLeader   = "leader"
	RoleFollower = "follower"
)
