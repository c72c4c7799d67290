// Package forensics reads a farm's recorded history after the fact: it
// finds and explains incidents (incidents.go), re-runs the history through
// the farm's decision rules with other settings (whatif.go), copies an
// orchestrator's log to a laptop, verified by its hash chain (fetch.go),
// and packs an incident into a self-contained archive (bundle.go).
//
// The incidents are the field's, as DESIGN.md lists them: grounding
// storms, systemic pauses, drone deaths, stalls, rejected uploads, deploy
// skew and failures, duplicate claims the fence kept out (report_refused),
// retried builds (and atoms that are not clean), packages built twice with
// no re-enqueue between (builttwice.go: swarm no longer writes it, only a
// foreign log holds it), and changes to the decision rules (config_changed). A what-if judges history by the rules
// in force where the log records them (inforce.go).
//
// Everything here is a function of the events: it never reads the clock,
// so the same log always tells the same story. The rules it judges by are
// the ones in package commands, never copies of them.
package forensics
