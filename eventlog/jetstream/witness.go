package jetstream

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/internal/atomicfile"
)

// The witness is a small file beside the store, swarm-FARM.tail: a
// sequence number and the chain value after it, which the stream held when
// this process last opened or closed it. JetStream repairs a damaged block
// by cutting the stream at the damage, silently (a warning in its log, no
// error, the stream's state says nothing was lost), so acknowledged events
// would vanish and the shorter log still verify. Open refuses a stream that
// ends before its witness, or holds another chain there. In a cluster each
// member keeps its own, of what its process saw, and checks it against the
// cluster's log: one member's replica falling behind is caught up from
// the others, but the cluster as a whole losing what a member saw is
// refused.

func witnessPath(dir, farm string) string { return filepath.Join(dir, "swarm-"+farm+".tail") }

// checkWitness compares the stream with its witness, if there is one.
func (l *Log) checkWitness(ctx context.Context) error {
	b, err := os.ReadFile(l.witness)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("jetstream: read %s: %w", l.witness, err)
	}
	seq, head, err := parseWitness(string(b))
	if err != nil {
		return fmt.Errorf("%w: %s: %v", events.ErrCorrupt, l.witness, err)
	}
	last, err := l.Last(ctx)
	if err != nil {
		return err
	}
	if last < seq && l.cluster != nil {
		return fmt.Errorf("%w: the cluster's stream %s ends at seq %d but this member saw it hold %d (%s): "+
			"acknowledged events were lost on every member (damage, or folders put back from an older copy)",
			events.ErrCorrupt, l.name, last, seq, filepath.Base(l.witness))
	}
	if last < seq {
		return fmt.Errorf("%w: stream %s ends at seq %d but held %d (%s): JetStream cut damaged data; restore the store from a copy or another member",
			events.ErrCorrupt, l.name, last, seq, filepath.Base(l.witness))
	}
	if h, err := l.ChainAfter(ctx, seq); err != nil || h != head {
		return fmt.Errorf("%w: stream %s at seq %d is another log than %s recorded (%v)",
			events.ErrCorrupt, l.name, seq, filepath.Base(l.witness), err)
	}
	return nil
}

func parseWitness(s string) (uint64, events.Hash, error) {
	var h events.Hash
	f := strings.Fields(s)
	if len(f) != 2 {
		return 0, h, fmt.Errorf("want SEQ CHAIN, have %q", s)
	}
	seq, err := strconv.ParseUint(f[0], 10, 64)
	if err != nil {
		return 0, h, err
	}
	h, err = parseChain(f[1], seq)
	return seq, h, err
}

// WitnessEvery is how many appended events move the witness on between
// Open and Close (an atomic file write: a few fsyncs per WitnessEvery
// appends), so that after a crash it is at most that far behind.
const WitnessEvery = 1000

// writeWitness records where the stream ends now.
func (l *Log) writeWitness(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	last, err := l.Last(ctx)
	if err != nil {
		return err
	}
	head, err := l.ChainAfter(ctx, last)
	if err != nil {
		return err
	}
	return l.saveWitness(last, head)
}

// appended moves the witness on after an append when it is WitnessEvery
// behind. Failing to is not the append's failure: it is logged.
func (l *Log) appended(last uint64, head events.Hash) {
	if l.witness == "" || last < l.witnessed.Load()+WitnessEvery {
		return
	}
	if err := l.saveWitness(last, head); err != nil {
		l.log.Warn("could not move the stream's witness on", "err", err)
	}
}

func (l *Log) saveWitness(last uint64, head events.Hash) error {
	l.witnessMu.Lock()
	defer l.witnessMu.Unlock()
	if last < l.witnessed.Load() {
		return nil // a later one is there already
	}
	line := fmt.Sprintf("%d %s\n", last, hex.EncodeToString(head[:]))
	if err := atomicfile.WriteFile(l.witness, []byte(line), 0o600); err != nil {
		return fmt.Errorf("jetstream: write %s: %w", l.witness, err)
	}
	l.witnessed.Store(last)
	return nil
}
