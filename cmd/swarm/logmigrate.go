package main

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/swarm-build/swarm/eventlog"
	"github.com/swarm-build/swarm/eventlog/jetstream"
)

// logMoveOptions are the inputs of `swarm log export` and `swarm log import`.
type logMoveOptions struct {
	app   *app
	Store string // the JetStream store folder
	Farm  string
	JSON  bool
}

const logMoveLong = `The file log (.swarm/events) is the default and the choice for one
machine; a farm whose log must outlive its host keeps it in NATS JetStream.
The JetStream server runs inside swarm over the store folder given with
--store (one stream per farm, named by --farm), with every write synced
before it is acknowledged.

Events keep their sequence numbers and times, and the hash chain is the
same: the command verifies both logs whole and checks that their chains end
at the same value, or fails. Run again after an interruption, or after the
source grew, it copies only what the destination lacks; a destination
holding another log is refused and left as it was.

--json prints copied, last_seq and head.`

func newLogExportCmd(a *app) *cobra.Command {
	o := &logMoveOptions{app: a}
	cmd := &cobra.Command{
		Use:   "export --store DIR",
		Short: "Copy the event log into JetStream, proven by its chain",
		Long:  "Copy the file log into the farm's JetStream stream in DIR.\n\n" + logMoveLong,
		Example: "  swarm log export --store /var/lib/swarm/jetstream\n" +
			"  swarm log export --store js --farm gentoo-amd64 --json",
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.check(cmd); err != nil {
				return err
			}
			return o.run(cmd.Context(), jetstream.Export, "the file log", "the JetStream stream")
		},
	}
	o.flags(cmd)
	return cmd
}

func newLogImportCmd(a *app) *cobra.Command {
	o := &logMoveOptions{app: a}
	cmd := &cobra.Command{
		Use:   "import --store DIR",
		Short: "Copy the event log from JetStream back into .swarm/events",
		Long: "Copy the farm's JetStream stream in DIR into the file log, which must be\n" +
			"empty or hold the start of the same log.\n\n" + logMoveLong,
		Example: "  swarm log import --store /var/lib/swarm/jetstream",
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.check(cmd); err != nil {
				return err
			}
			imp := func(ctx context.Context, events, store string, opts jetstream.Options) (eventlog.CopyResult, error) {
				return jetstream.Import(ctx, store, events, opts)
			}
			return o.run(cmd.Context(), imp, "the JetStream stream", "the file log")
		},
	}
	o.flags(cmd)
	return cmd
}

func (o *logMoveOptions) flags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.Store, "store", "", "the JetStream store folder `DIR` (created if missing)")
	f.StringVar(&o.Farm, "farm", jetstream.DefaultFarm, "the farm's `NAME`, which names its stream")
	f.BoolVar(&o.JSON, "json", false, "print JSON")
	_ = cmd.MarkFlagDirname("store")
}

func (o *logMoveOptions) check(cmd *cobra.Command) error {
	if o.Store == "" {
		return usageErrorf(cmd, "--store DIR is required")
	}
	if err := jetstream.CheckFarm(o.Farm); err != nil {
		return usageErrorf(cmd, "--farm: %v", err)
	}
	return nil
}

// run copies between the state folder's file log and the store, both ways
// through move(ctx, eventsDir, storeDir, opts).
func (o *logMoveOptions) run(ctx context.Context,
	move func(context.Context, string, string, jetstream.Options) (eventlog.CopyResult, error), from, to string) error {
	dir, err := o.app.stateDir()
	if err != nil {
		return err
	}
	res, err := move(ctx, filepath.Join(dir, "events"), o.Store, jetstream.Options{Farm: o.Farm})
	if err != nil {
		return err
	}
	if o.JSON {
		return writeJSON(o.app.out, res)
	}
	_, err = fmt.Fprintf(o.app.out, "copied %d events from %s to %s; both end at seq %d, chain %s\n",
		res.Copied, from, to, res.Last, res.HeadHex)
	return err
}
