package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"path/filepath"
	"regexp"

	"github.com/spf13/cobra"

	"github.com/swarm-build/swarm/config"
)

// tokenBytes is the entropy of a drone token: 256 bits, so a token cannot
// be guessed and its SHA-256 alone is safe to keep in config.toml.
const tokenBytes = 32

// validDroneID mirrors the rule config.Validate applies to [drones.ID]
// (config/validate.go). It is checked here first because an id with a dot
// would otherwise be read as a dotted key and fail with a confusing
// "unknown key" instead of saying what an id may hold.
var validDroneID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// droneAddOptions are the inputs of `swarm drones add`.
type droneAddOptions struct {
	app          *app
	ID           string
	Capabilities []string
	Cores        int
	Slots        int
	setCores     bool // --cores was given (0 then means "as the drone reports")
	setSlots     bool
}

// droneRemoveOptions are the inputs of `swarm drones remove`.
type droneRemoveOptions struct {
	app *app
	ID  string
}

func newDronesAddCmd(a *app, runF func(context.Context, *droneAddOptions) error) *cobra.Command {
	opts := &droneAddOptions{app: a}
	cmd := &cobra.Command{
		Use:   "add ID",
		Short: "Admit a drone and print its token once",
		Long: `Admit a drone: write a [drones.ID] table to config.toml and print the
drone's new bearer token on stdout, alone, so that T=$(swarm drones add ID)
captures it. The token is shown this once: config.toml keeps only its
SHA-256 (token_sha256), so a lost token is replaced by removing the drone
and adding it again.

ID is 1 to 64 letters, digits, - and _. --capability may be repeated; the
capabilities route packages to the drones able to build them. --cores and
--slots, when given, override what the drone reports and asks for.

An ID that is already admitted is refused (exit 1) and nothing is written;
a running orchestrator picks the change up by itself.`,
		Example: `  T=$(swarm drones add build-01 --capability amd64 --cores 16 --slots 2)
  swarm drone --orchestrator http://farm:8093 --id build-01 --token "$T"`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID = args[0]
			opts.setCores = cmd.Flags().Changed("cores")
			opts.setSlots = cmd.Flags().Changed("slots")
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runDronesAdd(opts)
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&opts.Capabilities, "capability", nil, "a capability `C` of the drone, for routing (repeatable)")
	f.IntVar(&opts.Cores, "cores", 0, "cores to count the drone as (default: as it reports)")
	f.IntVar(&opts.Slots, "slots", 0, "builds it may run at once (default: as it asks)")
	return cmd
}

func newDronesRemoveCmd(a *app, runF func(context.Context, *droneRemoveOptions) error) *cobra.Command {
	opts := &droneRemoveOptions{app: a}
	return &cobra.Command{
		Use:   "remove ID",
		Short: "Revoke a drone's admission",
		Long: `Revoke a drone: delete its [drones.ID] table, and with it its token hash,
from config.toml. A running orchestrator refuses the drone's token from then
on. Its past events stay in the log. An ID that is not admitted is refused
(exit 1) and nothing is written.`,
		Example: "  swarm drones remove build-01",
		Args:    usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runDronesRemove(opts)
		},
	}
}

func runDronesAdd(o *droneAddOptions) error {
	token, err := newToken()
	if err != nil {
		return fmt.Errorf("drones add: %w", err)
	}
	err = editConfig(o.app, "swarm drones add "+o.ID, func(data []byte, cfg config.Config) ([]byte, error) {
		if err := checkDroneID(o.ID); err != nil {
			return nil, err
		}
		if _, ok := cfg.Drones[o.ID]; ok {
			return nil, fmt.Errorf("drone %q is already admitted; to give it a new token, "+
				"run 'swarm drones remove %s' first", o.ID, o.ID)
		}
		return droneTable(data, o, config.TokenHash(token))
	})
	if err != nil {
		return fmt.Errorf("drones add: %w", err)
	}
	fmt.Fprintln(o.app.out, token)
	fmt.Fprintf(o.app.errOut, "Admitted drone %s. Its token (on stdout) is shown only this once.\n", o.ID)
	return nil
}

// droneTable returns data with a new [drones.ID] table for o.
func droneTable(data []byte, o *droneAddOptions, hash string) ([]byte, error) {
	caps := o.Capabilities
	if caps == nil {
		caps = []string{}
	}
	prefix := "drones." + o.ID + "."
	sets := [][2]string{
		{"token_sha256", config.TOMLValue(hash)},
		{"capabilities", config.TOMLValue(caps)},
	}
	if o.setCores {
		sets = append(sets, [2]string{"cores", config.TOMLValue(o.Cores)})
	}
	if o.setSlots {
		sets = append(sets, [2]string{"slots", config.TOMLValue(o.Slots)})
	}
	var err error
	for _, kv := range sets {
		if data, err = config.Set(data, prefix+kv[0], kv[1]); err != nil {
			return nil, err
		}
	}
	return data, nil
}

func runDronesRemove(o *droneRemoveOptions) error {
	err := editConfig(o.app, "swarm drones remove "+o.ID, func(data []byte, cfg config.Config) ([]byte, error) {
		if err := checkDroneID(o.ID); err != nil {
			return nil, err
		}
		if _, ok := cfg.Drones[o.ID]; !ok {
			return nil, fmt.Errorf("no drone %q is admitted (see swarm config get drones)", o.ID)
		}
		return config.Delete(data, "drones."+o.ID)
	})
	if err != nil {
		return fmt.Errorf("drones remove: %w", err)
	}
	fmt.Fprintf(o.app.errOut, "Removed drone %s; its token is no longer accepted.\n", o.ID)
	return nil
}

// editConfig reads config.toml, lets edit change its text, and publishes the
// result atomically, all under config.toml's lock (config.Edit), so edit
// sees the file as the last concurrent edit left it. On any error the file
// is left as it was.
//
// The change is then recorded in the event log (config_changed, see
// recordConfig), reason saying what made it.
func editConfig(a *app, reason string, edit func(data []byte, cfg config.Config) ([]byte, error)) error {
	dir, err := a.stateDir()
	if err != nil {
		return err
	}
	var before, after []byte
	err = config.Edit(filepath.Join(dir, config.FileName), func(data []byte) ([]byte, error) {
		cfg, err := config.Parse(data)
		if err != nil {
			return nil, err
		}
		out, err := edit(data, cfg)
		before, after = data, out
		return out, err
	})
	if err != nil {
		return err
	}
	recordConfig(context.Background(), a, reason, before, after)
	return nil
}

func checkDroneID(id string) error {
	if !validDroneID.MatchString(id) {
		return fmt.Errorf("%q is not a drone id: use 1 to 64 letters, digits, - and _", id)
	}
	return nil
}

// newToken returns a fresh bearer token: tokenBytes from crypto/rand as
// unpadded URL-safe base64, so it needs no quoting in a shell or a header.
func newToken() (string, error) {
	b := make([]byte, tokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("making a token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
