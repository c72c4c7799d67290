package commands

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/swarm-build/swarm/config"
	"github.com/swarm-build/swarm/eventlog"
	"github.com/swarm-build/swarm/eventlog/jetstream"
	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/internal/atomicfile"
)

// The JetStream log's files in a .swarm folder.
const (
	JetStreamDir = "jetstream"   // the embedded server's store folder
	ClientFile   = "client.json" // in it: where the running server takes clients (clientInfo)
)

// busyWait is how long OpenLog waits on a JetStream store folder that
// another process holds but does not (yet, or any more) serve: a CLI call
// holds it for a moment, a serve starting or stopping for a few seconds.
const busyWait = 30 * time.Second

// clientInfo is client.json: the URL where the process running the
// embedded server takes NATS clients and the token they present. It is
// written 0600 by that process (swarm serve) after the server started,
// with a fresh token each time, so a stale file names a dead port or a
// token nobody takes.
type clientInfo struct {
	URL   string `json:"url"`
	Token string `json:"token"`
	PID   int    `json:"pid"`
}

// OpenLog opens the event log of the .swarm folder dir with the backend
// o.Backend names. The file log is .swarm/events. The JetStream log is an
// embedded server over .swarm/jetstream: a process that finds the folder
// free runs the server itself (and, with o.Own, takes other processes'
// connections on [log.jetstream] listen or a loopback port); one that finds
// it held by a running swarm serve connects to that server as a NATS
// client (client.json). o.Own (swarm serve) never connects to another
// process: it waits for the folder.
func OpenLog(ctx context.Context, dir string, o StoreOptions) (eventlog.Log, error) {
	switch o.Backend.Backend {
	case "", config.BackendFile:
		l, err := eventlog.OpenFile(filepath.Join(dir, "events"), events.Options{
			ReadOnly: o.ReadOnly, Logger: o.Logger, SegmentBytes: o.SegmentBytes, Now: o.Now})
		if err != nil {
			return nil, err // not a nil *File in a Log
		}
		return checkNotStranded(ctx, dir, l, o.Backend)
	case config.BackendJetStream:
		jo, err := JetStreamOptions(o.Backend.JetStream, o)
		if err != nil {
			return nil, err
		}
		var l eventlog.Log
		if o.Own {
			l, err = openOwnJetStream(ctx, dir, o.Backend.JetStream, jo)
		} else {
			l, err = openJetStream(ctx, dir, jo)
		}
		if err != nil {
			return nil, err
		}
		return checkNotStranded(ctx, dir, l, o.Backend)
	}
	return nil, fmt.Errorf("log.backend %q: not \"file\" or \"jetstream\"", o.Backend.Backend)
}

// JetStreamOptions maps [log.jetstream] onto the backend's options: the
// one place that does.
func JetStreamOptions(c config.JetStreamConfig, o StoreOptions) (jetstream.Options, error) {
	jo := jetstream.Options{Farm: c.Farm, Now: o.Now, Logger: o.Logger}
	if c.Cluster() {
		// Every member dials every route in the same order (by member
		// name), its own among them: the server skips a route to itself.
		jo.Name, jo.ClusterListen, jo.Replicas, jo.RouteSecret = c.Name, c.ClusterListen, c.Replicas, c.RouteSecret
		for _, name := range slices.Sorted(maps.Keys(c.Members)) {
			jo.Routes = append(jo.Routes, c.Members[name].Route)
		}
	}
	return jo, nil
}

// openJetStream runs the server over the store folder, or connects to the
// one a swarm serve runs over it.
func openJetStream(ctx context.Context, dir string, jo jetstream.Options) (eventlog.Log, error) {
	store := filepath.Join(dir, JetStreamDir)
	deadline := time.Now().Add(busyWait)
	for {
		l, err := jetstream.Open(ctx, store, jo)
		if err == nil {
			return l, nil
		}
		if !errors.Is(err, jetstream.ErrInUse) {
			return nil, err
		}
		ci, cerr := readClientInfo(store)
		if cerr == nil {
			co := jo
			co.Token = ci.Token
			l, cerr = jetstream.Connect(ctx, ci.URL, co)
			if cerr == nil {
				return l, nil
			}
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%w, and its server cannot be reached (%v)", err, cerr)
		}
		if err := sleep(ctx, 100*time.Millisecond); err != nil {
			return nil, err
		}
	}
}

// openOwnJetStream runs the server over the store folder, taking clients
// on c.Listen (or a free loopback port), and publishes client.json.
func openOwnJetStream(ctx context.Context, dir string, c config.JetStreamConfig, jo jetstream.Options) (eventlog.Log, error) {
	store := filepath.Join(dir, JetStreamDir)
	jo.Listen, jo.Token = c.Listen, newToken()
	if jo.Listen == "" {
		jo.Listen = "127.0.0.1:0"
	}
	deadline := time.Now().Add(busyWait)
	for {
		l, err := jetstream.Open(ctx, store, jo)
		if err == nil {
			return publishClient(store, l, jo.Token)
		}
		if !errors.Is(err, jetstream.ErrInUse) || time.Now().After(deadline) {
			return nil, err
		}
		if err := sleep(ctx, 100*time.Millisecond); err != nil {
			return nil, err
		}
	}
}

// ownedLog is the server's log; closing it removes client.json first, so
// no process connects to a server that is going.
type ownedLog struct {
	*jetstream.Log
	client string
}

func (l *ownedLog) Close() error {
	os.Remove(l.client)
	return l.Log.Close()
}

func publishClient(store string, l *jetstream.Log, token string) (eventlog.Log, error) {
	ci := clientInfo{URL: localURL(l.ClientURL()), Token: token, PID: os.Getpid()}
	b, err := json.Marshal(ci)
	if err == nil {
		err = atomicfile.WriteFile(filepath.Join(store, ClientFile), append(b, '\n'), 0o600)
	}
	if err != nil {
		l.Close()
		return nil, fmt.Errorf("jetstream: publish %s: %w", ClientFile, err)
	}
	return &ownedLog{Log: l, client: filepath.Join(store, ClientFile)}, nil
}

// localURL makes a listener on every address (0.0.0.0, ::) reachable as
// loopback.
func localURL(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return u
	}
	if ip := net.ParseIP(p.Hostname()); ip != nil && ip.IsUnspecified() {
		p.Host = net.JoinHostPort("127.0.0.1", p.Port())
	}
	return p.String()
}

func readClientInfo(store string) (clientInfo, error) {
	var ci clientInfo
	b, err := os.ReadFile(filepath.Join(store, ClientFile))
	if err != nil {
		return ci, err
	}
	if err := json.Unmarshal(b, &ci); err != nil || ci.URL == "" || ci.Token == "" {
		return ci, fmt.Errorf("%s: not a client file", ClientFile)
	}
	return ci, nil
}

func newToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
