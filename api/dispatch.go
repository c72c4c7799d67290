package api

// DispatchPath answers GET with DispatchStats: what the dispatcher has
// decided since the server started. It is how a test (or an operator
// wondering why a drone is idle) knows that a drone's claims were really
// considered, rather than assuming so after a while: "nothing was claimed"
// means something only once the dispatcher has said no to the drone
// against a log that already held the reason.
const DispatchPath = "/" + Version + "/dispatch"

// DispatchStats counts the dispatch rounds of one server's life (a
// restarted server starts again at zero).
type DispatchStats struct {
	// Rounds is how many rounds decided at least one waiting claim.
	Rounds uint64 `json:"rounds"`
	// Seq is the log's last event when the latest round decided: every
	// claim it decided saw the log up to there.
	Seq uint64 `json:"seq"`
	// Drones are the drones whose claims were decided, by id.
	Drones map[string]DroneDispatch `json:"drones"`
}

// DroneDispatch is what the dispatcher decided for one drone's claims.
type DroneDispatch struct {
	// Asked counts its claims decided, granted or not: a claim that waits
	// is decided again at every round until it is granted or runs out.
	Asked uint64 `json:"asked"`
	// Granted counts the claims it was given a package for.
	Granted uint64 `json:"granted"`
	// Seq is the log's last event when one of its claims was last decided.
	Seq uint64 `json:"seq"`
}
