package main

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"os/signal"
	"syscall"

	charmlog "github.com/charmbracelet/log"
	"github.com/spf13/cobra"

	"github.com/swarm-build/swarm/drone"
)

// droneTokenEnv names the environment variable that may carry the drone's
// token, so it need not appear in `ps` or a shell history.
const droneTokenEnv = drone.TokenEnv

// droneOptions are the inputs of `swarm drone`: the flags as given, and
// the configuration they resolve to with the drone's file and defaults.
type droneOptions struct {
	app *app

	ConfigFile   string
	Orchestrator string
	ID           string
	Token        string
	Cores        int
	Slots        int
	Capabilities []string
	LogDir       string
	Tree         string

	Config drone.Config // resolved before run
}

const droneLong = `Run the build agent of this machine: register with the orchestrator, then
claim packages while healthy and build each with the farm's build command
(build.command in the orchestrator's config.toml, an argv in which {atom}
becomes the package; never a shell). Heartbeats report CPU, memory, disk and
load, the builds in progress and their progress, and renew their leases.

Settings come from the drone's own file, $XDG_CONFIG_HOME/swarm/drone.toml
(else ~/.config/swarm/drone.toml, or --config FILE), and flags override it.

The token: keep it in that file (token = "…", the file chmod 600; the drone
warns when others may read it), or in $SWARM_DRONE_TOKEN, which overrides
the file. --token overrides both but shows in 'ps' to every user of the
machine, so the drone warns when it is used. The token never reaches a
build: $SWARM_DRONE_TOKEN, any other $SWARM_…TOKEN… variable and any
variable whose value holds the token are removed from the build's
environment, and the token (as it is, URL-escaped or base64-encoded) is
replaced by [redacted] in every failure reason and log excerpt the drone
sends. Keys of the file, all optional:

  orchestrator = "http://10.0.0.1:8093"   # or every member of a cluster:
                                         # ["http://o1:8093", "http://o2:8093", "http://o3:8093"]
  id = "build-01"
  token = "…"                        # keep the file private (chmod 600)
  cores = 16                         # default: this machine's CPUs
  slots = 2                          # builds at once; default 1
  capabilities = ["amd64"]
  memory_mb = 32768                  # default: this machine's memory
  log_dir = "/var/log/swarm/builds"  # default: $XDG_STATE_HOME/swarm/builds
  tree = ""                          # this machine's portage tree identity

An unknown key is an error. The orchestrator, id and token are required; the
id and token are what 'swarm drones add' admitted and printed.

Several orchestrators (a cluster on one replicated log, --orchestrator
URL1,URL2,URL3 or a list in the file): only the leader takes the drone's
calls. The drone sticks to the one that answers, goes to the leader a
follower names, and moves on to the next URL when one cannot be reached,
with backoff; each switch is logged. A build in progress carries on and is
reported to the new leader, whose log holds its claim and fence.

Each build's output goes to LOG_DIR/ATOM.FENCE.log, the atom's '/' and other
unsafe characters made '_' (sys-devel_llvm-19.1.7.42.log). A failed build is
reported with a signature read from its log (slot-conflict, blocker,
no-ebuild, fetch-failed, oom, compile-phase …) and the log's last lines.

Health: a drone whose memory or disk use is over the farm's thresholds, or
whose build runs past twice its usual time, is degraded and claims nothing
new. Builds that crash (killed by a signal, out of memory) several times in
a row make it critical: it stops and returns all its work, runs the farm's
self-check, and is healthy again when that passes.

Stopping: the first SIGTERM (or Ctrl-C) drains: nothing more is claimed, the
builds in progress finish and are reported, then the drone exits 0. A second
SIGTERM kills the builds, returns their packages ("drone shutting down") and
exits at once.`

const droneExample = `  T=$(swarm drones add build-01 --capability amd64)   # on the orchestrator's machine
  SWARM_DRONE_TOKEN="$T" swarm drone --orchestrator http://farm:8093 --id build-01

  # a cluster of three orchestrators: the drone follows the leader
  swarm drone --orchestrator http://o1:8093,http://o2:8093,http://o3:8093 --id build-01

  # or everything from ~/.config/swarm/drone.toml (chmod 600), token included
  swarm drone --slots 2`

func newDroneCmd(a *app, runF func(context.Context, *droneOptions) error) *cobra.Command {
	opts := &droneOptions{app: a}
	cmd := &cobra.Command{
		Use:     "drone",
		Short:   "Run the build agent on this machine",
		Long:    droneLong,
		Example: droneExample,
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			// Catch the signals before anything else, so that even an early
			// SIGTERM drains rather than kills.
			sigs := make(chan os.Signal, 4)
			signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
			defer signal.Stop(sigs)
			if err := opts.resolve(cmd); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runDrone(cmd.Context(), opts, sigs)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Orchestrator, "orchestrator", "", "the orchestrator's `URL` (http://host:8093), or every member's, comma-separated")
	f.StringVar(&opts.ID, "id", "", "this drone's `ID`, as admitted by 'swarm drones add'")
	f.StringVar(&opts.Token, "token", "", "this drone's bearer `TOKEN`; shows in ps: prefer $"+droneTokenEnv+" or the file's token")
	f.IntVar(&opts.Cores, "cores", 0, "cores to report (default: this machine's CPUs)")
	f.IntVar(&opts.Slots, "slots", 0, "builds to run at once (default 1)")
	f.StringArrayVar(&opts.Capabilities, "capability", nil, "a capability `C` of this drone, for routing (repeatable; replaces the file's list)")
	f.StringVar(&opts.Tree, "tree", "", "this machine's portage tree `ID` (default: the first line of tree_file, "+drone.DefaultTreeFile+")")
	f.StringVar(&opts.LogDir, "log-dir", "", "folder `DIR` for build logs (default: $XDG_STATE_HOME/swarm/builds)")
	f.StringVar(&opts.ConfigFile, "config", "", "the drone's settings `FILE` (default: $XDG_CONFIG_HOME/swarm/drone.toml)")
	_ = cmd.MarkFlagDirname("log-dir")
	_ = cmd.MarkFlagFilename("config", "toml")
	return cmd
}

// resolve builds opts.Config: the drone's file (an explicit --config must
// exist; the default one may not), then $SWARM_DRONE_TOKEN, then the flags
// that were given, then defaults. A missing required setting or a bad flag
// value is a usage error.
func (o *droneOptions) resolve(cmd *cobra.Command) error {
	flags := cmd.Flags()
	if flags.Changed("cores") && o.Cores < 1 {
		return usageErrorf(cmd, "--cores %d: must be at least 1", o.Cores)
	}
	if flags.Changed("slots") && o.Slots < 1 {
		return usageErrorf(cmd, "--slots %d: must be at least 1", o.Slots)
	}
	path, explicit := o.ConfigFile, o.ConfigFile != ""
	if !explicit {
		p, err := drone.ConfigPath(o.app.getenv)
		if err != nil {
			return err
		}
		path = p
	}
	c, err := drone.LoadConfig(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) && !explicit:
		c = drone.Config{}
	case err != nil:
		return err
	case c.Token != "":
		warnIfShared(o.app, path)
	}
	if t := o.app.getenv(droneTokenEnv); t != "" {
		c.Token = t
	}
	if flags.Changed("token") {
		o.app.log().Warn("--token shows in 'ps' to every user of this machine; put the token in the drone's file (chmod 600) or $" + droneTokenEnv)
	}
	for name, apply := range map[string]func(){
		"orchestrator": func() { c.Orchestrator = o.Orchestrator },
		"id":           func() { c.ID = o.ID },
		"token":        func() { c.Token = o.Token },
		"cores":        func() { c.Cores = o.Cores },
		"slots":        func() { c.Slots = o.Slots },
		"capability":   func() { c.Capabilities = o.Capabilities },
		"log-dir":      func() { c.LogDir = o.LogDir },
		"tree":         func() { c.Tree = o.Tree },
	} {
		if flags.Changed(name) {
			apply()
		}
	}
	c.Version = version
	if c, err = c.WithDefaults(o.app.getenv); err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		if errors.Is(err, drone.ErrMissingSetting) {
			return usageErrorf(cmd, "%v", err)
		}
		return err
	}
	o.Config = c
	return nil
}

// runDrone runs the agent until it stops. It counts SIGTERMs itself: the
// root's signal context (cancelled by the first one) is not passed on,
// since the first SIGTERM must drain, not abort.
func runDrone(ctx context.Context, o *droneOptions, sigs <-chan os.Signal) error {
	logger := o.app.newLoggerAt(charmlog.InfoLevel)
	agent, err := drone.New(o.Config, logger)
	if err != nil {
		return err
	}
	done := make(chan struct{})
	defer close(done)
	go func() {
		for n := 1; ; n++ {
			select {
			case s := <-sigs:
				if n == 1 {
					logger.Info("signal: draining; send it again to return the work and stop at once", "signal", s.String())
					agent.Drain()
				} else {
					agent.Abort()
				}
			case <-done:
				return
			}
		}
	}()
	return agent.Run(context.WithoutCancel(ctx))
}

// warnIfShared warns when the drone's file, which holds its token, may be
// read by other users: anyone who reads it can act as the drone.
func warnIfShared(a *app, path string) {
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		a.log().Warn("the drone's file holds its token and other users may read it; chmod 600 it",
			"file", path, "mode", fi.Mode().Perm().String())
	}
}
