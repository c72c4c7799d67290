package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/swarm-build/swarm/config"
)

// configOptions are the inputs of `swarm config get` and `swarm config set`.
type configOptions struct {
	app   *app
	Key   string
	Value string // set only
}

func newConfigCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Read or change config.toml",
		Long: `Read or change the state folder's config.toml, the one canonical place for
every address, port and threshold. Keys are dotted (farm.lease); values are
TOML ("90s" with quotes, 5, ["a", "b"]). Editing keeps the file's comments
and layout; a bad key or value changes nothing.`,
		Args: noSubcommand,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newConfigGetCmd(a, nil), newConfigSetCmd(a, nil))
	return cmd
}

func newConfigGetCmd(a *app, runF func(context.Context, *configOptions) error) *cobra.Command {
	opts := &configOptions{app: a}
	return &cobra.Command{
		Use:   "get KEY",
		Short: "Print the TOML value of a key",
		Long: `Print the TOML value of a dotted key, as the file sets it or else its
default. A key naming a table prints the table's keys.`,
		Example: "  swarm config get farm.lease\n  swarm config get farm",
		Args:    usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Key = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runConfigGet(opts)
		},
	}
}

func newConfigSetCmd(a *app, runF func(context.Context, *configOptions) error) *cobra.Command {
	opts := &configOptions{app: a}
	return &cobra.Command{
		Use:   "set KEY VALUE",
		Short: "Change the value of a key, keeping comments",
		Long: `Change the value of a dotted key, keeping every comment and the layout of
the file. VALUE is TOML value syntax; text that is not a TOML value is taken
as a string. A value the configuration would not load is refused and the
file is left as it was.`,
		Example: "  swarm config set farm.lease '\"90s\"'\n  swarm config set farm.ground_after 3",
		Args:    usageArgs(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Key, opts.Value = args[0], args[1]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runConfigSet(cmd.Context(), opts)
		},
	}
}

// configPath returns the path of the state folder's config.toml.
func (o *configOptions) configPath() (string, error) {
	dir, err := o.app.stateDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, config.FileName), nil
}

func runConfigGet(o *configOptions) error {
	path, err := o.configPath()
	if err != nil {
		return err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	v, err := config.Get(data, o.Key)
	if err != nil {
		return err
	}
	fmt.Fprintln(o.app.out, strings.TrimRight(v, "\n"))
	return nil
}

func runConfigSet(ctx context.Context, o *configOptions) error {
	path, err := o.configPath()
	if err != nil {
		return err
	}
	var before, after []byte
	err = config.Edit(path, func(data []byte) ([]byte, error) {
		out, err := config.Set(data, o.Key, o.Value)
		before, after = data, out
		return out, err
	})
	if err != nil {
		return err
	}
	recordConfig(ctx, o.app, "swarm config set "+o.Key, before, after)
	return nil
}
