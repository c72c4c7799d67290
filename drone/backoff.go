package drone

import (
	"context"
	"math/rand/v2"
	"time"
)

// backoff is an exponential delay with jitter between attempts at a call
// that failed, so a farm of drones does not hammer an orchestrator that is
// restarting, all in step.
type backoff struct {
	min, max time.Duration
	next     time.Duration
}

func newBackoff(min, max time.Duration) *backoff {
	return &backoff{min: min, max: max, next: min}
}

// delay returns the next delay: doubling from min up to max, each with up
// to a quarter taken off at random.
func (b *backoff) delay() time.Duration {
	d := b.next
	b.next = min(b.next*2, b.max)
	return d - time.Duration(rand.Int64N(int64(d/4)+1))
}

// reset starts again from min, after a success.
func (b *backoff) reset() { b.next = b.min }

// sleep waits for d, or until ctx is done (reporting false).
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
