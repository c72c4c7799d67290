package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	charmlog "github.com/charmbracelet/log"
	"github.com/spf13/cobra"

	"github.com/swarm-build/swarm/binhost"
	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/config"
	"github.com/swarm-build/swarm/fresh"
	"github.com/swarm-build/swarm/orchestrator"
)

// serveFile is written into the state folder while `swarm serve` runs, so
// scripts, tests and the demo find the address when it listens on port 0.
const serveFile = "serve.json"

// serveInfo is the content of serve.json.
type serveInfo struct {
	URL     string `json:"url"`
	PID     int    `json:"pid"`
	Version string `json:"version"`
}

type serveOptions struct {
	app    *app
	Listen string
}

func newServeCmd(a *app, runF func(context.Context, *serveOptions) error) *cobra.Command {
	opts := &serveOptions{app: a}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the orchestrator: the drones' HTTP API and the farm's upkeep",
		Long: `Run the orchestrator on the state folder: the HTTP API drones register,
heartbeat, claim and report through, the dispatcher that hands out packages,
and the maintenance loop that reclaims the work of silent drones (after two
and a half missed heartbeats), expires leases, fails stalled builds (no
output, CPU time or build.log growth for build.stall_after: a failure on
that drone, so the breaker and the two-drone rule apply) and ends groundings
after their cooldown.

Every decision is an event in the log, so the orchestrator may be stopped and
started at will; other verbs (enqueue, pause, ground, drones add) work beside
it and take effect within a second. Drones authenticate with the tokens
'swarm drones add' printed; config.toml is reloaded when it changes.

It listens on server.listen from config.toml (default 127.0.0.1:8093) unless
--listen says otherwise; port 0 picks a free port. While it runs, the folder
holds serve.json with its URL and pid. One server per state folder: a
second 'swarm serve' on it exits 1 naming the first's pid and address (an OS
lock on serve.lock, held while the server runs, decides). With [log]
backend = "jetstream" it runs the embedded JetStream server over
.swarm/jetstream and, while it runs, .swarm/jetstream/client.json (mode
0600) tells the other verbs where to reach the log. SIGTERM or Ctrl-C
stops it gracefully: waiting drones are answered and requests in flight
finish.

Open http://ADDRESS/ in a browser for the live dashboard: the status, every
drone, the queue, a timeline of each drone's builds and the recent failures
with their error context, kept current by the event stream /v1/events
(server-sent events whose id is the event's seq: a client that reconnects
with Last-Event-ID misses nothing). /metrics serves Prometheus metrics: the
queue, drones, binhost and unpromoted figures as status counts them, claim,
report and append latencies, and the events since the server started.

Listening beyond loopback (0.0.0.0, a LAN address), the read views
/v1/status, /v1/queue, /v1/drones, /v1/events and /metrics need an
operator's token (see 'swarm operators add'), and the dashboard asks for
one; on loopback they are open. /v1/health is always open.
Connections are capped (server.max_connections, per address, and a share
kept for drones and operators that presented a token) below the descriptor
limit, so idle connections from anyone cannot lock the drones out.`,
		Example: `  swarm serve
  swarm serve --listen 0.0.0.0:8093     # reachable from the LAN`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runServe(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Listen, "listen", "", "`ADDR` to listen on (default: server.listen)")
	return cmd
}

func runServe(ctx context.Context, o *serveOptions) error {
	dir, cfg, err := o.app.stateConfig()
	if err != nil {
		return err
	}
	addr := cfg.Server.Listen
	if o.Listen != "" {
		addr = o.Listen
	}
	logger := o.app.newLoggerAt(charmlog.InfoLevel)
	lock, err := lockServe(dir)
	if err != nil {
		return err
	}
	defer lock.Close()
	tightenModes(dir, logger)
	store, err := o.app.openStoreWith(commands.StoreOptions{Own: true})
	if err != nil {
		return err
	}
	defer store.Close()
	binhostDir := cfg.BinhostDir(dir)
	key, created, err := binhost.EnsureKey(binhostDir, farmName(dir), time.Now())
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	if created {
		logger.Info("created the farm's signing key", "fingerprint", key.Fingerprint())
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	// The settings it starts with go in the log when they are not those
	// it last recorded (a hand edit, another release's defaults).
	if _, err := store.Execute(ctx, commands.RecordConfig(commands.ActorOrchestrator, "serve started with these settings", nil, config.Flatten(cfg))); err != nil {
		ln.Close()
		return fmt.Errorf("serve: record the settings in force: %w", err)
	}
	url := "http://" + ln.Addr().String()
	info := filepath.Join(dir, serveFile)
	if err := writeServeInfo(info, serveInfo{URL: url, PID: os.Getpid(), Version: version}); err != nil {
		ln.Close()
		return err
	}
	defer os.Remove(info)
	logger.Info("listening", "url", url, "dir", dir)
	// The scheduled fresh runs the same pipeline as 'swarm fresh', on the
	// server's own store, with config.toml as it is at that moment.
	scheduled := func(ctx context.Context) error {
		_, cfg, err := o.app.stateConfig()
		if err != nil {
			return err
		}
		res, err := fresh.Run(ctx, store, (&freshOptions{app: o.app}).options(cfg))
		if err == nil {
			logger.Info("scheduled fresh", "queue", res.Diff.String(), "tree", res.Plan.Tree)
		}
		return err
	}
	srv := orchestrator.New(store, cfg, orchestrator.Options{StateDir: dir, Logger: logger, Version: version, Fresh: scheduled,
		Binhost: binhostDir, Key: key, Leadership: election(store, cfg)})
	return srv.Run(ctx, ln)
}

// election is who leads when this server is one member of a replicated
// log ([log.jetstream] with members): the stream's leader as JetStream
// elects it, named by the URL drones reach it at. nil for a lone server,
// which always leads.
func election(store *commands.Store, cfg config.Config) orchestrator.Leadership {
	e, ok := store.Log().(orchestrator.Leadership)
	if !ok || cfg.Log.Backend != config.BackendJetStream || !cfg.Log.JetStream.Cluster() {
		return nil
	}
	urls := map[string]string{}
	for name, m := range cfg.Log.JetStream.Members {
		urls[name] = m.URL
	}
	return orchestrator.MemberURLs(e, urls)
}

// writeServeInfo writes serve.json atomically (a temporary file renamed
// over it), so a reader polling for it never sees half of it.
func writeServeInfo(path string, si serveInfo) error {
	b, err := json.Marshal(si)
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), stateFileMode); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
