package commands

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/swarm-build/swarm/config"
	"github.com/swarm-build/swarm/eventlog"
	"github.com/swarm-build/swarm/events"
)

// checkNotStranded refuses (closing l) an empty log when the other
// backend holds events: a farm whose [log] backend was switched by hand
// would otherwise start over on an empty log beside its history. Only an
// empty log is looked at twice, so an open costs nothing more.
func checkNotStranded(ctx context.Context, dir string, l eventlog.Log, c config.LogConfig) (eventlog.Log, error) {
	last, err := l.Last(ctx)
	if err != nil || last > 0 {
		if err != nil {
			l.Close()
		}
		return l, err
	}
	var other uint64
	to := config.BackendFile
	if c.Backend == config.BackendJetStream {
		other = fileLogLast(ctx, filepath.Join(dir, "events"))
	} else {
		to = config.BackendJetStream
		other = witnessLast(filepath.Join(dir, JetStreamDir, "swarm-"+c.JetStream.Farm+".tail"))
	}
	if other == 0 {
		return l, nil
	}
	l.Close()
	return nil, fmt.Errorf("%w: log.backend %q is empty, the %s log holds %d events; set log.backend back to %q, then run 'swarm log migrate --to %s'",
		ErrOtherBackend, backendName(c.Backend), to, other, to, backendName(c.Backend))
}

func backendName(b string) string {
	if b == "" {
		return config.BackendFile
	}
	return b
}

// fileLogLast is the last seq of the file log in dir, 0 if it has none or
// cannot be read.
func fileLogLast(ctx context.Context, dir string) uint64 {
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return 0
	}
	f, err := eventlog.OpenFile(dir, events.Options{ReadOnly: true})
	if err != nil {
		return 0
	}
	defer f.Close()
	last, _ := f.Last(ctx)
	return last
}

// witnessLast is the seq a JetStream store's witness file records (see
// package eventlog/jetstream), 0 if there is none.
func witnessLast(path string) uint64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	seq, _, _ := strings.Cut(strings.TrimSpace(string(b)), " ")
	n, _ := strconv.ParseUint(seq, 10, 64)
	return n
}
