// Package testenv holds what every test that starts a process of its own
// binary (testscript's `swarm`, the log's crash-trial writers, the e2e
// farms) needs to set in that process's environment.
//
// A binary built with -race sleeps a second before it exits (the race
// runtime's atexit_sleep_ms, default 1000), so that racing goroutines can
// still report. Over the hundreds of processes the script and end-to-end
// tests start, that sleep was most of the suite's time. Races are still
// reported, and still fail the process (exit code 66), without it.
package testenv

import "strings"

// noExitSleep is the race runtime's option that drops the sleep at exit.
const noExitSleep = "atexit_sleep_ms=0"

// GORACE returns the GORACE value for a child process: current (a GORACE
// value, "" for none) with atexit_sleep_ms=0 added, unless current sets
// atexit_sleep_ms itself, which then wins.
func GORACE(current string) string {
	opts := strings.Fields(current)
	for _, opt := range opts {
		if strings.HasPrefix(opt, "atexit_sleep_ms=") {
			return strings.Join(opts, " ")
		}
	}
	return strings.Join(append(opts, noExitSleep), " ")
}

// Env returns env (KEY=VALUE entries, as os.Environ gives them) with its
// GORACE entry, if any, replaced by GORACE of its value: the environment
// for a child process that must exit without the race runtime's sleep.
func Env(env []string) []string {
	out := make([]string, 0, len(env)+1)
	current := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "GORACE="); ok {
			current = v // the last one wins, as for exec
			continue
		}
		out = append(out, kv)
	}
	return append(out, "GORACE="+GORACE(current))
}
