package schedule

// CheckSchedule lets the external tests (those on the real graph, which
// must import packages that import this one) check a schedule's
// properties the way the internal ones do.
var CheckSchedule = checkSchedule
