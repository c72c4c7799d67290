package jetstream

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/swarm-build/swarm/eventlog"
	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/internal/flock"
)

// DefaultFarm names the stream when Options.Farm is empty.
const DefaultFarm = "farm"

// startTimeout bounds how long Open waits for the embedded server (it
// replays its store first, so a big log takes a while).
const startTimeout = 2 * time.Minute

// ErrFarmName: a farm name that cannot name a stream and a subject.
var ErrFarmName = errors.New("jetstream: a farm name is letters, digits, - and _")

// ErrInUse: another Log (in this process or another) has the store folder
// open. Two servers over one folder would write the same files.
var ErrInUse = errors.New("jetstream: the store folder is in use by another swarm process")

var farmName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// Options configure Open.
type Options struct {
	Farm   string           // names the stream and subject; "" is DefaultFarm
	Now    func() time.Time // the clock for events appended without a time; nil is time.Now
	Logger *slog.Logger     // nil discards
	// Listen, when not "", is a host:port (port 0: any free one) where the
	// embedded server also takes NATS clients: other swarm processes, which
	// Connect presenting Token (client.go). "": no listener.
	Listen string
	Token  string // what a client must present; required with Listen

	// A cluster (cluster.go): Replicas above 1 makes this process one
	// member, named Name, listening for the other members' routes on
	// ClusterListen (host:port) and dialling Routes (every member's
	// ClusterListen; its own may be among them). 0 or 1 is a single node,
	// and then the other three must be empty.
	Name          string
	ClusterListen string
	Routes        []string
	Replicas      int
	// RouteSecret is what members present to each other's route listener
	// (and require): without it anyone who reaches the port could join as
	// a member and write the log. Required with Replicas above 1.
	RouteSecret string
}

// Log is an event log held in a JetStream stream.
type Log struct {
	srv     *server.Server // the embedded server, nil if the log only connected
	cluster *clusterState  // its membership and leadership; nil for a single node
	lock    *flock.File    // the store folder's, held while srv runs
	srvLog  *srvLog        // its log's warnings
	witness string         // the witness file (witness.go); "" when not embedded

	witnessMu sync.Mutex    // one witness write at a time
	witnessed atomic.Uint64 // the seq the witness file holds
	nc        *nats.Conn
	js        jetstream.JetStream
	stream    jetstream.Stream
	name      string // stream
	subject   string
	now       func() time.Time
	log       *slog.Logger

	appendMu sync.Mutex // Append's turn

	mu     sync.Mutex // guards last and head, the tail as this process last saw it
	last   uint64
	head   events.Hash
	closed bool
}

var _ eventlog.Log = (*Log)(nil)

// Open starts an embedded, single-node JetStream server over the store
// folder dir (creating it), connects to it in-process and opens the farm's
// stream (creating it). A stream that ends before its witness is refused
// (ErrCorrupt), and so is a folder another Log has open (ErrInUse).
func Open(ctx context.Context, dir string, opts Options) (*Log, error) {
	if err := CheckFarm(opts.Farm); err != nil {
		return nil, err
	}
	if opts.Farm == "" {
		opts.Farm = DefaultFarm
	}
	so, members, err := serverOptions(dir, opts)
	if err != nil {
		return nil, err
	}
	lock, err := lockStore(dir)
	if err != nil {
		return nil, err
	}
	srv, sl, err := startServer(so, opts.Logger)
	if err != nil {
		lock.Close()
		return nil, err
	}
	var l *Log
	if members == nil {
		l, err = connect(ctx, srv, opts)
	} else {
		l, err = join(ctx, srv, so.Authorization, opts, members)
	}
	if err != nil {
		srv.Shutdown()
		srv.WaitForShutdown()
		lock.Close()
		return nil, err
	}
	l.srv, l.srvLog, l.lock, l.witness = srv, sl, lock, witnessPath(dir, opts.Farm)
	err = l.checkWitness(ctx)
	if err == nil {
		err = l.writeWitness(ctx)
	}
	if err != nil {
		l.witness = "" // keep the witness of what was lost
		l.Close()
		return nil, err
	}
	return l, nil
}

// serverOptions are the embedded server's options over dir: no client
// listener (or one on opts.Listen: client.go), every write synced, and for
// a cluster its routes (cluster.go), with the members it expects (nil for
// a single node).
func serverOptions(dir string, opts Options) (*server.Options, []string, error) {
	so := &server.Options{
		ServerName: "swarm", DontListen: true, NoSigs: true,
		JetStream: true, StoreDir: dir, SyncAlways: true,
		JetStreamLimits: server.JSLimitOpts{MaxBatchSize: MaxBatch},
	}
	members, err := clusterOptions(so, opts)
	if err != nil {
		return nil, nil, err
	}
	// After the cluster's: a client listener asked for replaces the
	// private one a member opens, and its token is the one to present.
	if err := listenOn(so, opts); err != nil {
		return nil, nil, err
	}
	return so, members, nil
}

// startServer runs a JetStream server with options so and its log to
// logger (warnings kept: see srvLog).
func startServer(so *server.Options, logger *slog.Logger) (*server.Server, *srvLog, error) {
	dir := so.StoreDir
	srv, err := server.NewServer(so)
	if err != nil {
		return nil, nil, fmt.Errorf("jetstream: start the server: %w", err)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	sl := &srvLog{log: logger}
	srv.SetLoggerV2(sl, false, false, false)
	srv.Start()
	if !srv.ReadyForConnections(startTimeout) {
		srv.Shutdown()
		return nil, nil, fmt.Errorf("jetstream: the server over %s did not start", dir)
	}
	return srv, sl, nil
}

// connect connects to srv in-process and opens the farm's stream.
func connect(ctx context.Context, srv *server.Server, opts Options) (*Log, error) {
	nc, err := nats.Connect("", nats.InProcessServer(srv), nats.Name("swarm"), nats.Token(opts.Token))
	if err != nil {
		return nil, fmt.Errorf("jetstream: connect: %w", err)
	}
	l, err := attach(ctx, nc, opts)
	if err != nil {
		nc.Close()
		return nil, err
	}
	return l, nil
}

// attach opens (creating it) the farm's stream over a connection.
func attach(ctx context.Context, nc *nats.Conn, opts Options) (*Log, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	l := &Log{nc: nc, js: js, name: "SWARM_" + opts.Farm, subject: "swarm." + opts.Farm + ".events",
		now: opts.Now, log: opts.Logger}
	if l.now == nil {
		l.now = time.Now
	}
	if l.log == nil {
		l.log = slog.New(slog.DiscardHandler)
	}
	l.stream, err = js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name: l.name, Subjects: []string{l.subject},
		Storage: jetstream.FileStorage, Replicas: max(opts.Replicas, 1),
		Retention: jetstream.LimitsPolicy, MaxMsgs: -1, MaxBytes: -1, MaxAge: 0,
		DenyDelete: true, DenyPurge: true, AllowAtomicPublish: true,
	})
	if err != nil {
		return nil, fmt.Errorf("jetstream: open stream %s: %w", l.name, err)
	}
	return l, nil
}

// Close closes the connection and shuts the embedded server down.
func (l *Log) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	l.mu.Unlock()
	if l.cluster != nil {
		l.cluster.stop()
	}
	var err error
	switch {
	case l.witness != "" && l.cluster != nil:
		// The others may be gone already: what this process saw, without
		// asking them (and waiting for a quorum that will not come).
		l.mu.Lock()
		last, head := l.last, l.head
		l.mu.Unlock()
		err = l.saveWitness(last, head)
	case l.witness != "":
		err = l.writeWitness(context.Background())
	}
	l.nc.Close()
	if l.srv != nil {
		l.srv.Shutdown()
		l.srv.WaitForShutdown()
	}
	if l.lock != nil {
		l.lock.Close()
	}
	return err
}

// lockStore creates the store folder and takes its lock (swarm.lock),
// without waiting.
func lockStore(dir string) (*flock.File, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	lock, err := flock.Open(filepath.Join(dir, "swarm.lock"))
	if err != nil {
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	if err := lock.TryLock(); err != nil {
		lock.Close()
		if errors.Is(err, flock.ErrLocked) {
			return nil, fmt.Errorf("%w: %s", ErrInUse, dir)
		}
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	return lock, nil
}
