package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/swarm-build/swarm/binhost"
	"github.com/swarm-build/swarm/config"
)

// initOptions are the inputs of `swarm init`.
type initOptions struct {
	app  *app
	Path string // the folder to hold .swarm; "" = see stateDirToCreate
}

func newInitCmd(a *app, runF func(context.Context, *initOptions) error) *cobra.Command {
	opts := &initOptions{app: a}
	return &cobra.Command{
		Use:   "init [PATH]",
		Short: "Create a new swarm state folder",
		Long: `Create PATH/.swarm/ (PATH defaults to the current folder) with a commented
default config.toml, empty events/ and snapshots/ folders, and the binhost
folder with the farm's OpenPGP signing key (private, 0600 in a 0700 folder;
swarm binhost key prints its public half).

Without PATH, --dir or $SWARM_DIR, when given, names the state folder to
create. init refuses if the state folder already exists.`,
		Example: "  swarm init\n  swarm init /srv/farm",
		Args:    usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Path = args[0]
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runInit(opts)
		},
	}
}

// stateDirToCreate is PATH/.swarm, else --dir or $SWARM_DIR as given,
// else ./.swarm.
func (o *initOptions) stateDirToCreate() string {
	switch {
	case o.Path != "":
		return filepath.Join(o.Path, stateDirName)
	case o.app.dir != "":
		return o.app.dir
	case o.app.getenv("SWARM_DIR") != "":
		return o.app.getenv("SWARM_DIR")
	}
	return stateDirName
}

func runInit(o *initOptions) error {
	dir, err := filepath.Abs(o.stateDirToCreate())
	if err != nil {
		return err
	}
	if exists(dir) {
		return fmt.Errorf("init: %s already exists; not touching it", dir)
	}
	if err := createStateDir(dir); err != nil {
		return fmt.Errorf("init: %w", err)
	}
	fmt.Fprintf(o.app.out, "Initialized empty swarm in %s%c\n", dir, filepath.Separator)
	return nil
}

// createStateDir builds the state folder under a temporary name and renames
// it into place, so an interrupted init leaves no half-made .swarm behind.
func createStateDir(dir string) error {
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(parent, filepath.Base(dir)+".init-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp) // a no-op once renamed
	// Everything in the state folder is the operator's alone: drone tokens'
	// hashes, the farm's history, the server's address (DESIGN: files).
	if err := os.Chmod(tmp, stateDirMode); err != nil {
		return err
	}
	for _, sub := range []string{"events", "snapshots"} {
		if err := os.Mkdir(filepath.Join(tmp, sub), stateDirMode); err != nil {
			return err
		}
	}
	if err := config.WriteFile(filepath.Join(tmp, config.FileName), config.Template()); err != nil {
		return err
	}
	// The farm's signing key: the default binhost folder is inside .swarm.
	if _, _, err := binhost.EnsureKey(config.Default().BinhostDir(tmp), farmName(dir), time.Now()); err != nil {
		return err
	}
	if exists(dir) { // lost a race with another init
		return fmt.Errorf("%s already exists", dir)
	}
	return os.Rename(tmp, dir)
}
