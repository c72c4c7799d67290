package main

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/config"
	"github.com/swarm-build/swarm/eventlog"
)

// logMigrateOptions are the inputs of `swarm log migrate`.
type logMigrateOptions struct {
	app  *app
	To   string
	JSON bool
}

func newLogMigrateCmd(a *app) *cobra.Command {
	o := &logMigrateOptions{app: a}
	cmd := &cobra.Command{
		Use:   "migrate --to jetstream|file",
		Short: "Move the farm's event log to another backend and switch to it",
		Long: `Copy the farm's event log from the backend [log] backend names to the
other one, prove the copy by its hash chain, and set [log] backend to it.

--to jetstream copies .swarm/events into the embedded JetStream server's
store, .swarm/jetstream, as the stream [log.jetstream] farm names; --to file
copies it back into .swarm/events. Events keep their sequence numbers and
times and the chain is the same, so snapshots stay valid and 'swarm verify'
proves either. The source is left in place (a copy to delete, or the start
of the way back: a farm that migrates back copies only the new events). A
destination holding another log is refused and nothing changes.

It refuses while 'swarm serve' runs on the folder (stop it first), and holds
the config lock from the copy until [log] backend is switched, so no process
appends to the old log after it was copied. On any error config.toml is left
as it was.

--json prints copied, last_seq, head and backend.`,
		Example: "  swarm log migrate --to jetstream\n  swarm log migrate --to file --json",
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.To != config.BackendFile && o.To != config.BackendJetStream {
				return usageErrorf(cmd, "--to must be %q or %q", config.BackendJetStream, config.BackendFile)
			}
			return runLogMigrate(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.To, "to", "", "the backend `NAME` to move to: jetstream or file")
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print JSON")
	_ = cmd.RegisterFlagCompletionFunc("to", completeWords([]string{config.BackendJetStream, config.BackendFile}))
	return cmd
}

func runLogMigrate(ctx context.Context, o *logMigrateOptions) error {
	dir, err := o.app.stateDir()
	if err != nil {
		return err
	}
	lock, err := lockServe(dir)
	if err != nil {
		return fmt.Errorf("log migrate: %w", err)
	}
	defer lock.Close()
	var res eventlog.CopyResult
	path := filepath.Join(dir, config.FileName)
	err = config.Edit(path, func(data []byte) ([]byte, error) {
		cfg, err := config.Parse(data)
		if err != nil {
			return nil, err
		}
		if res, err = commands.MigrateLog(ctx, dir, cfg.Log, o.To); err != nil {
			return nil, err
		}
		return config.Set(data, "log.backend", o.To)
	})
	if err != nil {
		return fmt.Errorf("log migrate: %w", err)
	}
	if o.JSON {
		return writeJSON(o.app.out, struct {
			eventlog.CopyResult
			Backend string `json:"backend"`
		}{res, o.To})
	}
	_, err = fmt.Fprintf(o.app.out, "copied %d events; both logs end at seq %d, chain %s; log.backend is now %q\n",
		res.Copied, res.Last, res.HeadHex, o.To)
	return err
}
