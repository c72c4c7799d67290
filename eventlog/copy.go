package eventlog

import (
	"context"
	"errors"
	"fmt"

	"github.com/swarm-build/swarm/events"
)

// ErrChainMismatch: after a Copy the two logs' chains differ, so the copy
// is not the same log (an event did not survive the trip whole).
var ErrChainMismatch = errors.New("eventlog: the copy's hash chain differs from the source's")

// CopyBatch is how many events Copy appends at once (one atomic append).
const CopyBatch = 500

// CopyResult is what Copy did.
type CopyResult struct {
	Copied uint64      `json:"copied"`   // events appended to dst
	Last   uint64      `json:"last_seq"` // both logs end here
	Head   events.Hash `json:"-"`        // and their chains here
	// HeadHex is Head in hex.
	HeadHex string `json:"head"`
}

// Copy appends to dst the events of src that dst lacks, keeping their
// sequence numbers and times, then verifies both logs and checks that their
// chains end at the same value. dst must hold a prefix of src (empty, or an
// earlier, interrupted Copy): a run after an interruption carries on.
func Copy(ctx context.Context, dst, src Log) (CopyResult, error) {
	var res CopyResult
	start, err := dst.Last(ctx)
	if err != nil {
		return res, fmt.Errorf("copy: read the destination: %w", err)
	}
	if start > 0 {
		if err := samePrefix(ctx, dst, src, start); err != nil {
			return res, err
		}
	}
	batch := make([]events.Event, 0, CopyBatch)
	next := start
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if _, err := dst.AppendIf(ctx, next, batch...); err != nil {
			return fmt.Errorf("copy: append events %d-%d: %w", next+1, next+uint64(len(batch)), err)
		}
		next += uint64(len(batch))
		res.Copied += uint64(len(batch))
		batch = batch[:0]
		return nil
	}
	for e, err := range src.Events(ctx, start+1) {
		if err != nil {
			return res, fmt.Errorf("copy: read the source: %w", err)
		}
		if e.Seq != next+uint64(len(batch))+1 {
			return res, fmt.Errorf("copy: the source skips from seq %d to %d", next+uint64(len(batch)), e.Seq)
		}
		batch = append(batch, *e)
		if len(batch) == CopyBatch {
			if err := flush(); err != nil {
				return res, err
			}
		}
	}
	if err := flush(); err != nil {
		return res, err
	}
	return res, proveSame(ctx, dst, src, &res)
}

// samePrefix refuses a destination that is not a prefix of the source.
func samePrefix(ctx context.Context, dst, src Log, seq uint64) error {
	last, err := src.Last(ctx)
	if err != nil {
		return fmt.Errorf("copy: read the source: %w", err)
	}
	if last < seq {
		return fmt.Errorf("%w: the destination holds %d events, the source only %d", ErrChainMismatch, seq, last)
	}
	a, err := dst.ChainAfter(ctx, seq)
	if err != nil {
		return fmt.Errorf("copy: the destination's chain at seq %d: %w", seq, err)
	}
	b, err := src.ChainAfter(ctx, seq)
	if err != nil {
		return fmt.Errorf("copy: the source's chain at seq %d: %w", seq, err)
	}
	if a != b {
		return fmt.Errorf("%w at seq %d: the destination is another log", ErrChainMismatch, seq)
	}
	return nil
}

// proveSame verifies both logs whole and compares where they end.
func proveSame(ctx context.Context, dst, src Log, res *CopyResult) error {
	rs, err := src.Verify(ctx)
	if err != nil {
		return fmt.Errorf("copy: verify the source: %w", err)
	}
	rd, err := dst.Verify(ctx)
	if err != nil {
		return fmt.Errorf("copy: verify the copy: %w", err)
	}
	if rs.Last != rd.Last || rs.Head != rd.Head {
		return fmt.Errorf("%w: source ends at seq %d chain %.12s…, copy at seq %d chain %.12s…",
			ErrChainMismatch, rs.Last, rs.Head, rd.Last, rd.Head)
	}
	res.Last, res.Head, res.HeadHex = rd.Last, rd.Head, rd.Head.String()
	return nil
}
