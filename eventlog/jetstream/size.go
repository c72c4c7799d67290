package jetstream

import (
	"context"
	"fmt"
	"time"
)

// Size is the bytes the stream holds, as the server counts them (for
// metrics: eventlog.Sizer).
func (l *Log) Size() (int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	info, err := l.stream.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("jetstream: stream info: %w", err)
	}
	return int64(info.State.Bytes), nil
}
