package projections

import (
	"context"
	"iter"

	"github.com/swarm-build/swarm/events"
)

// sliceSource is a log in memory. Like the real log it yields one reused
// *Event, so a projection that kept the pointer would be caught.
type sliceSource []events.Event

func (src sliceSource) Events(ctx context.Context, from uint64) iter.Seq2[*events.Event, error] {
	return func(yield func(*events.Event, error) bool) {
		var e events.Event
		for _, x := range src {
			if x.Seq < from {
				continue
			}
			if err := ctx.Err(); err != nil {
				yield(nil, err)
				return
			}
			e = x
			e.Capabilities = append(e.Capabilities[:0:0], x.Capabilities...)
			if !yield(&e, nil) {
				return
			}
			clear(e.Capabilities) // what a reusing decoder might leave behind
			e = events.Event{Atom: "garbage", Drone: "garbage"}
		}
	}
}
