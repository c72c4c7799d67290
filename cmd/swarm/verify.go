package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/swarm-build/swarm/binhost"
	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/internal/termsafe"
	"github.com/swarm-build/swarm/portage/gpkg"
)

// verifyOptions are the inputs of `swarm verify`.
type verifyOptions struct {
	app    *app
	JSON   bool
	Repair bool
}

// verifyResult is what `swarm verify --json` prints: the log's report, and
// on damage ok false and the error; binhost is the binhost's audit (and
// repair, with --repair) once the log is sound.
type verifyResult struct {
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
	events.Report
	Binhost *binhostResult `json:"binhost,omitempty"`
}

type binhostResult struct {
	binhost.AuditReport
	Repair *binhost.RepairReport `json:"repair,omitempty"`
}

func newVerifyCmd(a *app, runF func(context.Context, *verifyOptions) error) *cobra.Command {
	opts := &verifyOptions{app: a}
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Check the event log's chain and the binhost's packages and index",
		Long: `Read the whole event log and check every frame's checksum, that sequence
numbers are dense, that every record decodes, and the hash chain from the
first event to the last, like git fsck. Prints the head of the chain.

Then audit the binhost: every promoted package file (those the events list:
promoted and not pruned) is re-hashed against its promoted event (SHA-256
and size) and read as a gpkg whose Manifest must be signed with the farm's
key, then read again to check each archive's detached .sig with that key
(as portage does before it installs); zero-byte, truncated, missing and unknown files are named; Packages is
checked against the events and the files both ways (entries without a
file, files without an entry, SIZE/MTIME/MD5/SHA1 differences), and
Packages.gz against Packages. Each problem is one line: path, kind, what
is wrong. On a terminal, progress goes to stderr.

Damage exits 3, naming the segment and the offset, or each binhost problem.

--repair takes damaged packages out of the index (a pruned event) and
queues them again to be rebuilt (an enqueued event with the reason),
rewrites the index from the events (under the index lock the server takes
too, so it works whether or not swarm serve runs), deletes the damaged files
once the index without them is live, and verifies again: it exits 3 only
for what it cannot fix (unknown files are left to the operator).

A torn write at the end of the log (a crash mid-write; nothing in it was
acknowledged) is not damage: verify names it, and those a writer has already
cut with the path of the copy it saved (events/NAME.seg.torn-OFFSET).

--json prints ok, segments, frames, events, last_seq and head (and error on
damage), and torn (segment, offset, bytes, cut, saved) when there are any;
binhost holds files, bytes, problems (path, problem, detail, cpv, build_id)
and, with --repair, repair (pruned, requeued, index, deleted).`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runVerify(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	cmd.Flags().BoolVar(&opts.Repair, "repair", false, "re-queue damaged packages and rewrite the binhost index")
	return cmd
}

func runVerify(ctx context.Context, o *verifyOptions) error {
	store, err := o.app.openStore(!o.Repair)
	if err != nil {
		return o.report(events.Report{}, nil, err)
	}
	defer store.Close()
	rep, err := store.Log().Verify(ctx)
	if err != nil {
		return o.report(rep, nil, err)
	}
	bh, err := o.binhost(ctx, store)
	return o.report(rep, bh, err)
}

// binhost audits (and with --repair, repairs) the farm's binhost.
func (o *verifyOptions) binhost(ctx context.Context, store *commands.Store) (*binhostResult, error) {
	dir, err := o.app.stateDir()
	if err != nil {
		return nil, err
	}
	cfg, err := loadConfig(dir)
	if err != nil {
		return nil, err
	}
	bdir := cfg.BinhostDir(dir)
	key, err := binhost.LoadKey(bdir)
	if errors.Is(err, fs.ErrNotExist) {
		key, err = nil, nil // no key, no promotions: a missing key with builds shows as bad signatures
	}
	if err != nil {
		return nil, err
	}
	res := &binhostResult{}
	res.AuditReport, err = o.audit(ctx, store, bdir, key)
	if err != nil || !o.Repair || len(res.Problems) == 0 {
		return res, err
	}
	fixed, err := binhost.Repair(ctx, store, bdir, commands.ActorOperator, res.AuditReport)
	if err != nil {
		return res, err
	}
	res.AuditReport, err = o.audit(ctx, store, bdir, key)
	res.Repair = &fixed
	return res, err
}

// audit runs the binhost audit with progress on a terminal.
func (o *verifyOptions) audit(ctx context.Context, store *commands.Store, dir string, key *gpkg.Key) (binhost.AuditReport, error) {
	var progress func(done, total int64)
	if !o.JSON && isTerminal(o.app.errOut) {
		var last time.Time
		progress = func(done, total int64) {
			if now := time.Now(); now.Sub(last) > 250*time.Millisecond || done == total {
				last = now
				fmt.Fprintf(o.app.errOut, "\rverify: %d of %d MiB hashed", done>>20, total>>20)
			}
		}
		defer fmt.Fprint(o.app.errOut, "\r\033[K")
	}
	return binhost.Verify(ctx, store, dir, key, progress)
}

// report prints what verify found and returns err, or the binhost's damage,
// so damage maps to its exit code. With --json damage is printed as JSON too.
func (o *verifyOptions) report(rep events.Report, bh *binhostResult, err error) error {
	if err == nil && bh != nil && len(bh.Problems) > 0 {
		err = fmt.Errorf("%w: %s", binhost.ErrDamaged, plural(len(bh.Problems), "problem", "problems"))
		if bh.Repair != nil {
			err = fmt.Errorf("%w (left after repair)", err)
		}
	}
	if o.JSON && (err == nil || errors.Is(err, events.ErrCorrupt) || errors.Is(err, binhost.ErrDamaged)) {
		res := verifyResult{OK: err == nil, Report: rep, Binhost: bh}
		if err != nil {
			res.Error = err.Error()
		}
		if werr := writeJSON(o.app.out, res); werr != nil {
			return werr
		}
		return err
	}
	if err != nil && !errors.Is(err, binhost.ErrDamaged) {
		return err
	}
	where := plural(rep.Segments, "segment", "segments")
	if rep.Segments == 0 && rep.Events > 0 {
		where = "the JetStream stream" // it has messages, not segments
	}
	fmt.Fprintf(o.app.out, "ok: %s in %s, head %s\n", plural(int(rep.Events), "event", "events"), where, rep.HeadHex)
	for _, t := range rep.Torn {
		fmt.Fprintf(o.app.out, "torn: %s\n", t)
	}
	if bh == nil {
		return err
	}
	if r := bh.Repair; r != nil {
		fmt.Fprintf(o.app.out, "repaired: %s pruned, %s queued again%s, index rewritten: %v, %s deleted\n",
			plural(r.Pruned, "build", "builds"), plural(len(r.Requeued), "package", "packages"),
			listSuffix(r.Requeued), r.Index, plural(len(r.Deleted), "file", "files"))
	}
	for _, p := range bh.Problems {
		fmt.Fprintf(o.app.out, "damaged: %s\n", termsafe.Line(p.String()))
	}
	if len(bh.Problems) == 0 {
		fmt.Fprintf(o.app.out, "binhost ok: %s, %d MiB\n", plural(bh.Files, "package", "packages"), bh.Bytes>>20)
	}
	return err
}

func listSuffix(xs []string) string {
	if len(xs) == 0 {
		return ""
	}
	return " (" + strings.Join(xs, ", ") + ")"
}
