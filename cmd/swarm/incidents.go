package main

import (
	"context"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"strings"

	"github.com/swarm-build/swarm/buildlog"
	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/eventlog"
	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/forensics"
	"github.com/swarm-build/swarm/internal/atomicfile"
	"github.com/swarm-build/swarm/internal/termsafe"
	"github.com/swarm-build/swarm/orchestrator"
)

// kindTitles are the incident kinds as a heading says them.
var kindTitles = map[string]string{
	forensics.KindGroundingStorm: "Grounding storm",
	forensics.KindSystemicPause:  "Systemic pause",
	forensics.KindDroneDeath:     "Drone died",
	forensics.KindStall:          "Stalled build",
	forensics.KindRejectedUpload: "Rejected upload",
	forensics.KindDeploySkew:     "Deploy skew",
	forensics.KindDeployFailure:  "Deploy failed",
	forensics.KindDuplicateClaim: "Duplicate claim, fenced",
	forensics.KindRetried:        "Retried build",
	forensics.KindConfigChange:   "Rules changed",
	forensics.KindBuiltTwice:     "Built twice",
	forensics.KindUnpromoted:     "Built but not promoted",
}

// printIncidents prints each incident: a heading, its timeline, how it
// ended.
func printIncidents(w io.Writer, found []forensics.Incident, p palette) {
	if len(found) == 0 {
		fmt.Fprintln(w, "no incidents")
		return
	}
	for i, in := range found {
		if i > 0 {
			fmt.Fprintln(w)
		}
		title := kindTitles[in.Kind]
		if title == "" {
			title = in.Kind
		}
		fmt.Fprintln(w, p.bold(fmt.Sprintf("%s (%s), from seq %d, %s", title, in.Kind, in.FirstSeq, stampTime(in.Start))))
		fmt.Fprintln(w, "  "+termsafe.Line(in.Summary))
		for _, s := range in.Timeline {
			fmt.Fprintf(w, "  %6d  %s  %s\n", s.Seq, s.Time.UTC().Format("15:04:05"), termsafe.Line(s.Text))
		}
		if in.Omitted > 0 {
			fmt.Fprintf(w, "          … %d more events like these\n", in.Omitted)
		}
		if in.Resolution == "" && in.Kind == forensics.KindConfigChange {
			fmt.Fprintln(w, "  Still in force at the end of the log")
		} else if in.Resolution == "" {
			fmt.Fprintln(w, "  "+p.paint("31", "Unresolved at the end of the log"))
		} else {
			fmt.Fprintf(w, "  Resolved at seq %d, %s: %s\n", in.ResolvedSeq, stampTime(in.Resolved), termsafe.Line(in.Resolution))
		}
	}
}

// printWhatIf prints a what-if report: the tallies side by side, what
// differed, and what was decided again or taken as recorded.
func printWhatIf(w io.Writer, settings []string, r forensics.WhatIfReport, p palette) {
	fmt.Fprintln(w, p.bold(fmt.Sprintf("What if %s, through seq %d", termsafe.Line(strings.Join(settings, " ")), r.Seq)))
	fmt.Fprintf(w, "  %-18s %9s %9s\n", "", "recorded", "what-if")
	row := func(name string, a, b int) { fmt.Fprintf(w, "  %-18s %9d %9d\n", name, a, b) }
	row("groundings", r.Recorded.Groundings, r.WhatIf.Groundings)
	row("reclaims", r.Recorded.Reclaims, r.WhatIf.Reclaims)
	row("systemic pauses", r.Recorded.Pauses, r.WhatIf.Pauses)
	row("failed for good", r.Recorded.FailedForGood, r.WhatIf.FailedForGood)
	row("builds", r.Recorded.Built, r.WhatIf.Built)
	row("refused claims", 0, r.WhatIf.RefusedClaims)
	recorded := &r.MakespanS
	if r.Recorded.Built == 0 {
		recorded = nil
	}
	fmt.Fprintf(w, "  %-18s %9s %9s\n", "makespan", secondsOrDash(recorded), secondsOrDash(r.WhatIfMakespanS))
	fmt.Fprintln(w, "  makespan: "+termsafe.Line(r.MakespanNote))
	fmt.Fprintln(w, "\n"+p.bold("Differences"))
	if len(r.Differences) == 0 {
		fmt.Fprintln(w, "  none: the same decisions")
	}
	for _, d := range r.Differences {
		fmt.Fprintln(w, "  "+termsafe.Line(d))
	}
	if len(r.RulesInForce) > 0 {
		fmt.Fprintln(w, "\n"+p.bold("Rules in force, as the log recorded them"))
		for _, s := range r.RulesInForce {
			fmt.Fprintln(w, "  "+termsafe.Line(s))
		}
	}
	fmt.Fprintln(w, "\n"+p.bold("Decided again"))
	for _, s := range r.Redecided {
		fmt.Fprintln(w, "  "+termsafe.Line(s))
	}
	fmt.Fprintln(w, p.bold("Taken as recorded"))
	for _, s := range r.AsRecorded {
		fmt.Fprintln(w, "  "+termsafe.Line(s))
	}
}

func secondsOrDash(s *float64) string {
	if s == nil {
		return "-"
	}
	return fmt.Sprintf("%.0fs", *s)
}

// writeBundle writes --bundle: the log up to until, the config in force
// without token hashes, the failed builds' log tails since --since.
func (o *replayOptions) writeBundle(ctx context.Context, store *commands.Store, dir string, cfgText []byte, until uint64) error {
	redacted, err := forensics.Redact(cfgText)
	if err != nil {
		return fmt.Errorf("replay --bundle: the config: %w", err)
	}
	src := forensics.Until(store.Log(), until)
	kept := buildlog.New(filepath.Join(dir, orchestrator.LogsDir), buildlog.Limits{})
	logs, err := forensics.FailedLogs(ctx, src, o.Since.time, kept.Open)
	if err != nil {
		return fmt.Errorf("replay --bundle: %w", err)
	}
	recs := eventlog.Records(ctx, store.Log(), 1)
	if until != 0 {
		recs = recordsUntil(recs, until)
	}
	var m forensics.Manifest
	err = atomicfile.Write(o.Bundle, ".bundle-*", 0o644, func(f *os.File) error {
		var err error
		m, err = forensics.WriteBundle(f, recs, redacted, logs, o.Since.time)
		return err
	})
	if err != nil {
		return fmt.Errorf("replay --bundle: %w", err)
	}
	fmt.Fprintf(o.app.out, "wrote %s: %d events, %d build logs; chain after seq %d: %s\n",
		o.Bundle, m.Last, len(logs), m.Last, m.Chain)
	return nil
}

// recordsUntil cuts recs after seq until.
func recordsUntil(recs iter.Seq2[events.Record, error], until uint64) iter.Seq2[events.Record, error] {
	return func(yield func(events.Record, error) bool) {
		for r, err := range recs {
			if err == nil && r.Seq > until {
				return
			}
			if !yield(r, err) {
				return
			}
		}
	}
}
