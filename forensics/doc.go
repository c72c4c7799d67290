// Package forensics reads a farm's recorded history after the fact: it
// finds and explains incidents (incidents.go), re-runs the history through
// the farm's decision rules with other settings (whatif.go), copies an
// orchestrator's log to a laptop, verified by its hash chain (fetch.go),
// and packs an incident into a self-contained archive (bundle.go).
//
// Everything here is a function of the events: it never reads the clock,
// so the same log always tells the same story. The rules it judges by are
// the ones in package commands, never copies of them.
package forensics
