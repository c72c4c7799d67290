package jetstream

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// ErrNoToken: a listener without a token would let anyone who reaches the
// port append to the farm's log.
var ErrNoToken = errors.New("jetstream: a client listener needs a token")

// listenOn sets so to take NATS clients on opts.Listen, with opts.Token.
func listenOn(so *server.Options, opts Options) error {
	if opts.Listen == "" {
		return nil
	}
	if opts.Token == "" {
		return ErrNoToken
	}
	host, port, err := net.SplitHostPort(opts.Listen)
	if err != nil {
		return fmt.Errorf("jetstream: listen %q: %w", opts.Listen, err)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("jetstream: listen %q: not a port", opts.Listen)
	}
	if n == 0 {
		n = server.RANDOM_PORT
	}
	so.DontListen, so.Host, so.Port, so.Authorization = false, host, n, opts.Token
	return nil
}

// ClientURL is where the embedded server takes NATS clients ("nats://
// host:port"), or "" when it does not listen (or the log only connected).
func (l *Log) ClientURL() string {
	if l.srv == nil || l.srv.Addr() == nil {
		return ""
	}
	return "nats://" + l.srv.Addr().String()
}

// Connect opens the farm's stream through the server of another swarm
// process, listening at url (Options.Listen there), presenting opts.Token.
// It does not reconnect: when that process goes, appends and reads fail
// and the caller opens the store folder itself.
func Connect(ctx context.Context, url string, opts Options) (*Log, error) {
	if err := CheckFarm(opts.Farm); err != nil {
		return nil, err
	}
	if opts.Farm == "" {
		opts.Farm = DefaultFarm
	}
	nc, err := nats.Connect(url, nats.Token(opts.Token), nats.Name("swarm-client"), nats.NoReconnect())
	if err != nil {
		return nil, fmt.Errorf("jetstream: connect to %s: %w", url, err)
	}
	l, err := attach(ctx, nc, opts)
	if err != nil {
		nc.Close()
		return nil, err
	}
	return l, nil
}
