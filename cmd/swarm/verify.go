package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/swarm-build/swarm/events"
)

// verifyOptions are the inputs of `swarm verify`.
type verifyOptions struct {
	app  *app
	JSON bool
}

// verifyResult is what `swarm verify --json` prints: the log's report, and
// on damage ok false and the error.
type verifyResult struct {
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
	events.Report
}

func newVerifyCmd(a *app, runF func(context.Context, *verifyOptions) error) *cobra.Command {
	opts := &verifyOptions{app: a}
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Check the event log's checksums and hash chain",
		Long: `Read the whole event log and check every frame's checksum, that sequence
numbers are dense, that every record decodes, and the hash chain from the
first event to the last, like git fsck. Prints the head of the chain.

Damage exits 3, naming the segment and the offset.

A torn write at the end of the log (a crash mid-write; nothing in it was
acknowledged) is not damage: verify names it, and those a writer has already
cut with the path of the copy it saved (events/NAME.seg.torn-OFFSET).

--json prints ok, segments, frames, events, last_seq and head (and error on
damage), and torn (segment, offset, bytes, cut, saved) when there are any.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runVerify(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}

func runVerify(ctx context.Context, o *verifyOptions) error {
	store, err := o.app.openStore(true)
	if err != nil {
		return o.report(events.Report{}, err)
	}
	defer store.Close()
	rep, err := store.Log().Verify(ctx)
	return o.report(rep, err)
}

// report prints what verify found and returns err, so damage maps to its
// exit code. With --json damage is printed as JSON too.
func (o *verifyOptions) report(rep events.Report, err error) error {
	if o.JSON && (err == nil || errors.Is(err, events.ErrCorrupt)) {
		res := verifyResult{OK: err == nil, Report: rep}
		if err != nil {
			res.Error = err.Error()
		}
		if werr := writeJSON(o.app.out, res); werr != nil {
			return werr
		}
		return err
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(o.app.out, "ok: %s in %s, head %s\n",
		plural(int(rep.Events), "event", "events"), plural(rep.Segments, "segment", "segments"), rep.HeadHex)
	for _, t := range rep.Torn {
		fmt.Fprintf(o.app.out, "torn: %s\n", t)
	}
	return nil
}
