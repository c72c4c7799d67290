package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/pelletier/go-toml/v2"
	"github.com/spf13/cobra"

	"github.com/swarm-build/swarm/config"
	"github.com/swarm-build/swarm/remotes"
)

// bootstrapOptions are the inputs of `swarm remote bootstrap`.
type bootstrapOptions struct {
	app          *app
	Name         string
	Orchestrator string
	Capabilities []string
	Wait         time.Duration
	AcceptNew    bool
}

func newRemoteBootstrapCmd(a *app) *cobra.Command {
	o := &bootstrapOptions{app: a}
	cmd := &cobra.Command{
		Use:   "bootstrap NAME",
		Short: "Make a fresh host a drone: install swarm, its configuration and start it",
		Long: `Bootstrap the drone remote NAME on a fresh host reached over SSH: admit a
drone of that id with a new token (as 'swarm drones add' does), write its
configuration (drone.toml, mode 0600: the orchestrator's URL, the id and the
token) beside swarm in the remote's folder, install this release there
(VERSION last), run the remote's restart command to start it, and wait up
to --wait for the drone's first registration.

--orchestrator is the URL the drone reaches the orchestrator at (default:
the URL of the server running on this state folder). The remote's restart
command must start 'swarm drone --config DIR/drone.toml', as the swarm-drone
service does. A drone id already admitted is refused; if the bootstrap
fails, the admission is withdrawn so it can be tried again.`,
		Example: `  swarm remote add build-09 sftp://root@build-09.lan/var/lib/swarm/bin \
      --restart 'rc-service swarm-drone restart'
  swarm remote bootstrap build-09 --orchestrator http://farm.lan:8093 --capability amd64`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Name = args[0]
			if o.Wait <= 0 {
				return usageErrorf(cmd, "--wait must be positive")
			}
			return runBootstrap(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Orchestrator, "orchestrator", "", "the orchestrator's `URL` as the drone reaches it (default: the running server's)")
	f.StringArrayVar(&o.Capabilities, "capability", nil, "a capability `C` of the drone, for routing (repeatable)")
	f.DurationVar(&o.Wait, "wait", 2*time.Minute, "how long the new drone has to register")
	f.BoolVar(&o.AcceptNew, "accept-new-host-key", false, "add a host key known_hosts has never seen (never a changed one)")
	return cmd
}

func runBootstrap(ctx context.Context, o *bootstrapOptions) error {
	dir, cfg, err := o.app.stateConfig()
	if err != nil {
		return err
	}
	targets, err := selectRemotes(cfg, []string{o.Name})
	if err != nil {
		return fmt.Errorf("remote bootstrap: %w", err)
	}
	r := targets[0]
	if r.Role != config.RoleDrone {
		return fmt.Errorf("remote bootstrap: %s is a %s remote; bootstrap makes drones", r.Name, r.Role)
	}
	if o.Orchestrator == "" {
		if sc := serverState(dir); sc != nil {
			o.Orchestrator = sc.URL
		} else {
			return fmt.Errorf("remote bootstrap: no server runs on this state folder: say where the drone reaches the orchestrator with --orchestrator URL")
		}
	}
	d, done, err := o.deployer(dir)
	if err != nil {
		return err
	}
	defer done()
	token, err := o.admit()
	if err != nil {
		return err
	}
	droneTOML, err := toml.Marshal(map[string]any{"orchestrator": o.Orchestrator, "id": r.Name, "token": token})
	if err != nil {
		return err
	}
	res := d.Bootstrap(ctx, r, []remotes.File{{Name: "drone.toml", Data: droneTOML, Mode: 0o600}})
	if !res.OK() {
		_ = runDronesRemove(&droneRemoveOptions{app: o.app, ID: r.Name}) // so it can be tried again
		return fmt.Errorf("remote bootstrap %s: %s", r.Name, res.Reason)
	}
	fmt.Fprintf(o.app.out, "%s: bootstrapped: registered with %s\n", r.Name, version)
	return nil
}

// deployer is the Deployer a bootstrap uses, this binary as the release,
// and what to call when done with it.
func (o *bootstrapOptions) deployer(dir string) (*remotes.Deployer, func(), error) {
	bin, err := os.Executable()
	if err != nil {
		return nil, nil, fmt.Errorf("remote bootstrap: finding this binary: %w", err)
	}
	rel, err := remotes.NewRelease(version, bin)
	if err != nil {
		return nil, nil, fmt.Errorf("remote bootstrap: %w", err)
	}
	w := &deployWatch{app: o.app}
	return &remotes.Deployer{Release: rel, Wait: o.Wait, Dial: remotes.DialOptions{AcceptNew: o.AcceptNew},
		Check: skewCheck(dir, rel.Version), WaitUp: w.waitUp, Record: o.app.recordEvent,
		Progress: progressLine(o.app)}, w.close, nil
}

// admit admits the drone as `swarm drones add` does and returns its token.
func (o *bootstrapOptions) admit() (string, error) {
	token, err := newToken()
	if err != nil {
		return "", err
	}
	add := &droneAddOptions{app: o.app, ID: o.Name, Capabilities: o.Capabilities}
	err = editConfig(o.app, "swarm remote bootstrap", func(data []byte, cfg config.Config) ([]byte, error) {
		if _, ok := cfg.Drones[o.Name]; ok {
			return nil, fmt.Errorf("drone %q is already admitted; bootstrap makes a new drone "+
				"(swarm deploy %s updates one)", o.Name, o.Name)
		}
		return droneTable(data, add, config.TokenHash(token))
	})
	if err != nil {
		return "", fmt.Errorf("remote bootstrap: %w", err)
	}
	return token, nil
}
