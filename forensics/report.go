package forensics

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// report sums a finished run up.
func (s *sim) report() WhatIfReport {
	r := WhatIfReport{Recorded: s.recT, WhatIf: s.wT, Seq: s.rec.Seq,
		Redecided: []string{
			"whether each failure grounds its drone, pauses the farm or fails the package for good (" + describeRules(s.w.Rules) + ")",
			"when a grounding's cooldown is over (judged at each recorded event)",
			"whether each recorded claim would have been allowed (drone grounded, farm paused, package failed)",
		},
		AsRecorded: []string{
			"claims, build outcomes and their times, uploads, operators' commands",
			"work a drone did not do because the recording grounded it or paused the farm: none is invented",
			"drones going offline and coming back (their work is reclaimed by the rules)",
			"stalls (the failures are judged again, the stall itself is recorded)",
		},
	}
	if s.leases {
		r.Redecided = append(r.Redecided, "when an unrenewed claim lapses, from the recorded renewals")
	} else {
		r.AsRecorded = append(r.AsRecorded, "lease expiries: this log records no lease renewals, so a lapse cannot be judged again")
	}
	r.Differences = append(r.Differences, countDiffs("grounded", s.recT.GroundedDrones, s.wT.GroundedDrones)...)
	if s.recT.Pauses != s.wT.Pauses {
		r.Differences = append(r.Differences, fmt.Sprintf("systemic pauses: %d recorded, %d what-if", s.recT.Pauses, s.wT.Pauses))
	}
	if s.recT.FailedForGood != s.wT.FailedForGood {
		r.Differences = append(r.Differences, fmt.Sprintf("packages failed for good: %d recorded, %d what-if", s.recT.FailedForGood, s.wT.FailedForGood))
	}
	if s.recT.Reclaims != s.wT.Reclaims {
		r.Differences = append(r.Differences, fmt.Sprintf("reclaims: %d recorded, %d what-if", s.recT.Reclaims, s.wT.Reclaims))
	}
	r.Differences = append(r.Differences, s.diffs...)
	if r.Differences == nil {
		r.Differences = []string{}
	}
	s.makespan(&r)
	r.RulesInForce = append([]string{}, s.ruleNotes...)
	return r
}

// makespan fills in the recorded makespan and, when nothing recorded was
// refused, the simulated one (the same builds at the same times).
func (s *sim) makespan(r *WhatIfReport) {
	if s.first.IsZero() || s.lastRec.IsZero() {
		r.MakespanNote = "no build completed: no makespan"
		return
	}
	r.MakespanS = s.lastRec.Sub(s.first).Seconds()
	if s.wT.RefusedClaims > 0 {
		r.MakespanNote = fmt.Sprintf("not simulated: the new rules refused %d recorded claims, and who would have built that work instead is not invented", s.wT.RefusedClaims)
		return
	}
	if s.lastSim.IsZero() {
		r.MakespanNote = "no build would have completed"
		return
	}
	v := s.lastSim.Sub(s.first).Seconds()
	r.WhatIfMakespanS = &v
	r.MakespanNote = "every recorded build would have happened as it did"
}

// countDiffs compares how often each name occurs in two lists.
func countDiffs(what string, rec, sim []string) []string {
	rc, sc := counts(rec), counts(sim)
	keys := map[string]bool{}
	for k := range rc {
		keys[k] = true
	}
	for k := range sc {
		keys[k] = true
	}
	var out []string
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		if rc[k] != sc[k] {
			out = append(out, fmt.Sprintf("%s %s: %s recorded, %s what-if", k, what, times(rc[k]), times(sc[k])))
		}
	}
	return out
}

func counts(list []string) map[string]int {
	m := map[string]int{}
	for _, s := range list {
		m[s]++
	}
	return m
}

func times(n int) string {
	if n == 1 {
		return "once"
	}
	return strings.TrimSpace(fmt.Sprintf("%d times", n))
}
