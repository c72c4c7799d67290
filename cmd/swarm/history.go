package main

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/events"
	"github.com/swarm-build/swarm/portage"
)

func newHistoryCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "history",
		Short: "Learn how long packages take to build",
		Long: `The farm schedules by expected build times: a package on the longest
remaining chain of builds goes first, and long builds go to the drones with
the most cores. Times come from portage's emerge.log ('history import') and
then from the farm's own completed builds.`,
		Args: noSubcommand,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newHistoryImportCmd(a))
	return cmd
}

func newHistoryImportCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "import EMERGE_LOG",
		Short: "Learn build durations from a portage emerge.log",
		Long: `Read a portage emerge.log (plain or gzipped; - for stdin) and record each
package's expected build time: the median of its last few source builds
(binary installs are not builds and are left out). Importing the same log
again appends nothing. A line that is not emerge.log is an error naming it,
and nothing is recorded.`,
		Example: "  swarm history import /var/log/emerge.log",
		Args:    usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runHistoryImport(cmd.Context(), a, args[0], cmd.InOrStdin())
		},
	}
}

func runHistoryImport(ctx context.Context, a *app, path string, stdin io.Reader) error {
	r := stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("history import: %w", err)
		}
		defer f.Close()
		r = f
	}
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzip.NewReader(r)
		if err != nil {
			return fmt.Errorf("history import %s: %w", path, err)
		}
		defer gz.Close()
		r = gz
	}
	merges, err := portage.ParseEmergeLog(r)
	if err != nil {
		return fmt.Errorf("history import %s: %w", path, err)
	}
	durations := portage.Durations(merges)
	store, err := a.openStore(false)
	if err != nil {
		return err
	}
	defer store.Close()
	out, err := store.Execute(ctx, commands.Learn(commands.ActorOperator, "emerge.log "+filepath.Base(path), durations))
	if err != nil {
		return fmt.Errorf("history import: %w", err)
	}
	learned, replanned := 0, 0
	for _, e := range out.Events {
		switch e.Type {
		case events.TypeDurationLearned:
			learned++
		case events.TypeReprioritized:
			replanned++
		}
	}
	fmt.Fprintf(a.out, "read %d merges of %s; learned %d build times (%d unchanged)\n",
		len(merges), plural(len(durations), "package", "packages"), learned, len(durations)-learned)
	if replanned > 0 {
		fmt.Fprintf(a.out, "planned the queue again: %s changed priority\n", plural(replanned, "package", "packages"))
	}
	return nil
}
