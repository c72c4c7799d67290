// Package api holds the wire form of the orchestrator's HTTP API (version 1)
// and a client for it. The orchestrator (package orchestrator) serves it; the
// drone agent (package drone) and the CLI call it.
//
// Every drone call is a POST of a JSON body to /v1/drones/{id}/{verb} with
// the drone's own bearer token:
//
//	register   RegisterRequest  → RegisterResponse
//	heartbeat  HeartbeatRequest → HeartbeatResponse
//	claim      ClaimRequest     → ClaimResponse (Claim nil: no work, and why)
//	complete   CompleteRequest  → Ack
//	fail       FailRequest      → Ack
//	return     ReturnRequest    → Ack
//
// A body is exactly one JSON object sent as Content-Type application/json:
// null, arrays, anything after the object, invalid UTF-8 or another content
// type are refused with 400, and so are fields each request's Validate
// refuses (text that is not printable or over its limit, a zero fence, a
// sha256 that is not 64 lowercase hex digits); the message names the field
// and the limit. Keys the server does not know are ignored, so that a newer
// drone may send more.
//
// The read views GET /v1/status, /v1/queue, /v1/drones and the event
// stream EventsPath (server-sent events; EventStream follows it) need an
// operator's bearer token when the server listens beyond loopback;
// HealthPath never does.
//
// Errors are a JSON Error with an HTTP status and a stable Code, which the
// client turns back into this package's sentinel errors. Durations travel
// as integer milliseconds (keys ending in _ms) so that no client has to parse
// Go duration strings. New keys may be added; none is renamed or dropped.
package api

import (
	"errors"
	"time"
)

// Version is the API version in every path.
const Version = "v1"

// The drone verbs, as they appear in paths.
const (
	VerbRegister  = "register"
	VerbHeartbeat = "heartbeat"
	VerbClaim     = "claim"
	VerbComplete  = "complete"
	VerbFail      = "fail"
	VerbReturn    = "return"
)

// DronePath is the path of a drone's call: /v1/drones/{id}/{verb}.
func DronePath(id, verb string) string { return "/" + Version + "/drones/" + id + "/" + verb }

// HealthPath answers GET with Ready once the orchestrator serves requests.
const HealthPath = "/" + Version + "/health"

// Ready is the body of HealthPath.
type Ready struct {
	OK      bool   `json:"ok"`
	Seq     uint64 `json:"seq"`     // the log's last event, as the server knows it
	Version string `json:"version"` // the server's release
	// Error says why OK is false (answered with 503): the server cannot
	// write its event log, so it acknowledges nothing until it can.
	Error string `json:"error,omitempty"`
	// Role is RoleLeader or RoleFollower when the server is one of several
	// on a replicated log; empty for a lone server (which always leads).
	// Leader is the leader's base URL as a follower knows it ("" while no
	// leader is known).
	Role   string `json:"role,omitempty"`
	Leader string `json:"leader,omitempty"`
}

// Task is one build a drone holds.
type Task struct {
	Atom  string `json:"atom"`
	Fence uint64 `json:"fence"`
	// Progress is a counter that grows whenever the build makes progress:
	// bytes of its output, plus bytes written to portage's build.log files
	// under the build's temporary folder, plus milliseconds of CPU time of
	// its process group. Only its growth means anything (the orchestrator
	// judges a stall on it); drones before it sent output bytes alone.
	Progress uint64 `json:"progress"`
}

// RegisterRequest introduces a drone (first contact or after a restart).
type RegisterRequest struct {
	Cores        uint32   `json:"cores"`
	MemoryMB     uint64   `json:"memory_mb"`
	Slots        uint32   `json:"slots"` // builds it runs at once; 0 means 1
	Capabilities []string `json:"capabilities"`
	Version      string   `json:"version"` // the swarm release it runs
	// Portage is its portage configuration (from `emerge --info`: profile,
	// CHOST, CFLAGS, USE, ABI … by portage's names); none when it could not
	// read it. The farm compares it with config.toml's [portage].
	Portage map[string]string `json:"portage,omitempty"`
	Tree    string            `json:"tree"` // its portage tree identity, if known
	Health  string            `json:"health"`
	// Tasks are the builds it still holds (a drone that lost its process
	// holds none): every other claim in its name is reclaimed.
	Tasks []Task `json:"tasks"`
}

// RegisterResponse is the farm's canonical settings for the drone: the build
// command and thresholds live in the orchestrator's config.toml alone.
type RegisterResponse struct {
	HeartbeatMS  int64    `json:"heartbeat_ms"`
	LeaseMS      int64    `json:"lease_ms"`
	Command      []string `json:"command"`        // argv template; {atom} is one argument
	StallAfterMS int64    `json:"stall_after_ms"` // 0: never
	Slots        uint32   `json:"slots"`          // as the farm allows it
	Health       Health   `json:"health"`
	Dropped      []Drop   `json:"dropped,omitempty"` // claims reclaimed because the drone no longer holds them
}

// Health are the thresholds of the drone's health state machine.
type Health struct {
	DegradedMemoryPercent float64  `json:"degraded_memory_percent"`
	DegradedDiskPercent   float64  `json:"degraded_disk_percent"`
	SlowFactor            float64  `json:"slow_factor"`
	CriticalCrashes       int      `json:"critical_crashes"`
	SelfCheck             []string `json:"self_check"`
}

// Heartbeat returns the interval as a duration.
func (r RegisterResponse) Heartbeat() time.Duration {
	return time.Duration(r.HeartbeatMS) * time.Millisecond
}

// Lease returns the lease as a duration.
func (r RegisterResponse) Lease() time.Duration { return time.Duration(r.LeaseMS) * time.Millisecond }

// StallAfter returns the stall limit as a duration (0: never).
func (r RegisterResponse) StallAfter() time.Duration {
	return time.Duration(r.StallAfterMS) * time.Millisecond
}

// HeartbeatRequest is the drone's periodic report; it renews the leases of
// the tasks it lists.
type HeartbeatRequest struct {
	Health        string  `json:"health"` // healthy, degraded, critical, recovering
	CPUPercent    float64 `json:"cpu_percent"`
	MemoryPercent float64 `json:"memory_percent"`
	DiskPercent   float64 `json:"disk_percent"`
	Load          float64 `json:"load"`
	Tasks         []Task  `json:"tasks"`
	Draining      bool    `json:"draining"` // shutting down: finishing builds, claiming nothing
	// Tree is the drone's portage tree identity now (it changes when the
	// drone syncs); a drone on another tree than the queue's gets no work.
	Tree string `json:"tree,omitempty"`
	// Portage is the drone's portage configuration, sent only when it
	// changed since the drone last sent it (see RegisterRequest.Portage).
	Portage map[string]string `json:"portage,omitempty"`
	// Version is the swarm release the drone runs (older drones send
	// none): the farm learns of an upgrade from the next beat, not only
	// from the drone registering again.
	Version string `json:"version,omitempty"`
}

// Drop tells a drone to stop a build it holds: the claim is no longer its
// own (reclaimed, stalled, grounded). It must not report it.
type Drop struct {
	Atom   string `json:"atom"`
	Fence  uint64 `json:"fence"`
	Reason string `json:"reason"`
}

// HeartbeatResponse says what the farm thinks of the drone.
type HeartbeatResponse struct {
	Drop          []Drop    `json:"drop"`
	Paused        string    `json:"paused,omitempty"` // why dispatching is paused; "" when it is not
	Grounded      bool      `json:"grounded"`
	GroundedUntil time.Time `json:"grounded_until,omitzero"`
}

// ClaimRequest asks for one package. The server holds the request open for
// up to WaitMS when there is nothing to give, and answers as soon as work
// the drone may take appears.
type ClaimRequest struct {
	WaitMS int64 `json:"wait_ms"`
}

// Claim is a package the drone now holds under a lease.
type Claim struct {
	Atom    string `json:"atom"`
	Fence   uint64 `json:"fence"`
	Attempt uint32 `json:"attempt"`
	LeaseMS int64  `json:"lease_ms"`
	// ExpectedMS is how long its last successful build took (0: unknown),
	// for the drone's slow-build check.
	ExpectedMS int64 `json:"expected_ms"`
}

// ClaimResponse carries a claim, or nil and the reason there is none.
type ClaimResponse struct {
	Claim  *Claim `json:"claim"`
	Reason string `json:"reason,omitempty"` // why not: "queue empty", "paused: …", "grounded until …"
}

// CompleteRequest reports a successful build.
type CompleteRequest struct {
	Atom   string `json:"atom"`
	Fence  uint64 `json:"fence"`
	SHA256 string `json:"sha256,omitempty"` // of the binary package, when one was made
	Size   uint64 `json:"size,omitempty"`
}

// FailRequest reports a failed build.
type FailRequest struct {
	Atom      string `json:"atom"`
	Fence     uint64 `json:"fence"`
	Signature string `json:"signature"` // from the log tail, e.g. "slot-conflict"
	Reason    string `json:"reason"`    // one line: "emerge exited 1"
	Excerpt   string `json:"excerpt"`   // the log tail
	// Start is set when the build could not even start (the program is
	// missing, a path too long, permission denied): the cause, one of
	// "name-too-long", "not-found", "permission-denied", "other". The
	// orchestrator holds the package or grounds the drone instead of
	// counting a failure. Drones before it send Signature "start-failed"
	// alone, which reads as "other".
	Start string `json:"start,omitempty"`
}

// ReturnRequest hands a package back unbuilt.
type ReturnRequest struct {
	Atom   string `json:"atom"`
	Fence  uint64 `json:"fence"`
	Reason string `json:"reason"`
}

// Ack answers a report that was recorded.
type Ack struct {
	Seq uint64 `json:"seq"` // the event that recorded it
}

// Error is the body of every error answer.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"error"`
}

// The error codes and their HTTP statuses.
const (
	CodeUnauthorized  = "unauthorized"   // 401: missing or wrong token
	CodeNotRegistered = "not_registered" // 409: register first
	CodeStaleFence    = "stale_fence"    // 409: the claim is not the drone's any more; drop it
	CodeBadRequest    = "bad_request"    // 400
	CodeUnavailable   = "unavailable"    // 503: shutting down
	CodeInternal      = "internal"       // 500
)

// Sentinel errors the client returns for the codes above.
var (
	ErrUnauthorized  = errors.New("unauthorized (wrong or missing drone token)")
	ErrNotRegistered = errors.New("drone is not registered")
	ErrStaleFence    = errors.New("stale fencing token: the package was reclaimed; drop it")
	ErrBadRequest    = errors.New("bad request")
	ErrUnavailable   = errors.New("orchestrator unavailable")
)

// ErrorFor returns the sentinel for a code (nil for an unknown one).
func ErrorFor(code string) error {
	switch code {
	case CodeUnauthorized:
		return ErrUnauthorized
	case CodeNotRegistered:
		return ErrNotRegistered
	case CodeStaleFence:
		return ErrStaleFence
	case CodeBadRequest:
		return ErrBadRequest
	case CodeUnavailable:
		return ErrUnavailable
	case CodeNotLeader:
		return ErrNotLeader
	}
	return nil
}
