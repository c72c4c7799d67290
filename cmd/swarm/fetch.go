package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/forensics"
	"github.com/swarm-build/swarm/internal/atomicfile"
)

// originFile remembers, in a fetched state folder, where it was fetched
// from, so the next `swarm fetch` needs no URL (like git's origin).
const originFile = "origin"

// fetchOptions are the inputs of `swarm fetch`.
type fetchOptions struct {
	app   *app
	URL   string
	Token string
}

func newFetchCmd(a *app, runF func(context.Context, *fetchOptions) error) *cobra.Command {
	opts := &fetchOptions{app: a}
	cmd := &cobra.Command{
		Use:   "fetch [URL]",
		Short: "Copy an orchestrator's event log here, for offline replay",
		Long: `Copy the event log of the orchestrator at URL into the local state folder,
incrementally, like git fetch: only the events the local copy lacks are
asked for, and each is proven by the log's hash chain (the first must
continue the local chain, each must follow from the one before), so the
copy is the orchestrator's log, event for event. Then replay, log and
status work offline on the copy (the binary packages are not copied).

Without a state folder, one is created here (.swarm/ holding only the
log). URL defaults to the one the folder was last fetched from. A server
that listens beyond loopback needs an operator's token: --token, or
$SWARM_TOKEN.

A local log that is not a beginning of the orchestrator's (another farm's,
or a folder that is itself an orchestrator) is refused, unchanged.`,
		Example: "  swarm fetch http://farm.example:8093\n  swarm fetch\n  swarm replay --incidents",
		Args:    usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.URL = args[0]
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runFetch(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Token, "token", "", "an operator's `TOKEN` (default: $SWARM_TOKEN)")
	return cmd
}

func runFetch(ctx context.Context, o *fetchOptions) error {
	dir, created, err := o.app.fetchDir()
	if err != nil {
		return err
	}
	if o.URL == "" {
		b, err := os.ReadFile(filepath.Join(dir, originFile))
		if err != nil {
			if created {
				os.RemoveAll(dir)
			}
			return fmt.Errorf("fetch: give the orchestrator's URL (this folder was never fetched into)")
		}
		o.URL = strings.TrimSpace(string(b))
	}
	res, err := o.fetch(ctx, dir)
	if err != nil && created && res.Records == 0 {
		os.RemoveAll(dir) // a failed first fetch leaves no empty .swarm behind
	}
	return err
}

// fetch copies what is new into dir's log and says what it did.
func (o *fetchOptions) fetch(ctx context.Context, dir string) (forensics.FetchResult, error) {
	if o.Token == "" {
		o.Token = o.app.getenv("SWARM_TOKEN")
	}
	store, err := commands.OpenStore(dir, commands.StoreOptions{Logger: o.app.log()})
	if err != nil {
		return forensics.FetchResult{}, err
	}
	defer store.Close()
	st, err := store.Load(ctx)
	if err != nil {
		return forensics.FetchResult{}, err
	}
	f := &forensics.Fetcher{URL: o.URL, Token: o.Token}
	res, err := f.Fetch(ctx, store.Log(), st.Seq)
	if res.Records > 0 {
		fmt.Fprintf(o.app.out, "fetched %d events (seq %d to %d) from %s\n", res.Records, res.From+1, res.To, o.URL)
	}
	if err != nil {
		return res, fmt.Errorf("fetch: %w", err)
	}
	if res.Records == 0 {
		fmt.Fprintf(o.app.out, "up to date at seq %d with %s\n", res.To, o.URL)
	}
	fmt.Fprintf(o.app.out, "chain after seq %d: %s\n", res.To, res.Chain)
	return res, atomicfile.WriteFile(filepath.Join(dir, originFile), []byte(o.URL+"\n"), 0o644)
}

// fetchDir is the state folder to fetch into: the usual one, else a new
// .swarm/ here (or in --dir) holding only the log (created).
func (a *app) fetchDir() (dir string, created bool, err error) {
	dir, err = a.stateDir()
	if err == nil || !errors.Is(err, errNoSwarm) && a.dir == "" {
		return dir, false, err
	}
	base := a.dir
	if base == "" {
		if base, err = a.getwd(); err != nil {
			return "", false, err
		}
	}
	dir = filepath.Join(base, stateDirName)
	if err := os.MkdirAll(filepath.Join(dir, "events"), 0o700); err != nil {
		return "", false, fmt.Errorf("fetch: %w", err)
	}
	return dir, true, nil
}
