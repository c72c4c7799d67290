package forensics

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strings"

	"github.com/swarm-build/swarm/config"
	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/projections"
)

// ErrBadSetting: a --what-if setting is not KEY=VALUE, or config.toml
// would not take it.
var ErrBadSetting = errors.New("bad what-if setting")

// sections maps a bare key to its table: the thresholds a what-if is
// about live in [farm], except stall_after, which is [build]'s.
var sections = map[string]string{"stall_after": "build"}

// WithSettings returns config.toml's text data with each "key=value" of
// settings set as `swarm config set` would set it. A bare key is one of
// [farm]'s (ground_after=3); a dotted one names its table.
func WithSettings(data []byte, settings []string) ([]byte, error) {
	for _, kv := range settings {
		k, v, ok := strings.Cut(kv, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" || v == "" {
			return nil, fmt.Errorf("%w: %q is not KEY=VALUE (like ground_after=3)", ErrBadSetting, kv)
		}
		if !strings.Contains(k, ".") {
			table := sections[k]
			if table == "" {
				table = "farm"
			}
			k = table + "." + k
		}
		out, err := config.Set(data, k, v)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrBadSetting, kv, err)
		}
		data = out
	}
	return data, nil
}

// Until is src cut after event seq (0: not cut).
func Until(src projections.Source, seq uint64) projections.Source {
	if seq == 0 {
		return src
	}
	return until{src, seq}
}

type until struct {
	src projections.Source
	seq uint64
}

func (u until) Events(ctx context.Context, from uint64) iter.Seq2[*events.Event, error] {
	return func(yield func(*events.Event, error) bool) {
		for e, err := range u.src.Events(ctx, from) {
			if err == nil && e.Seq > u.seq {
				return
			}
			if !yield(e, err) {
				return
			}
		}
	}
}
