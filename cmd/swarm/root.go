package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	charmlog "github.com/charmbracelet/log"
	"github.com/mattn/go-isatty"
	"github.com/muesli/termenv"
	"github.com/spf13/cobra"
)

// app is what every command needs from the process: its streams, its
// environment and the global flags. Commands receive it in their
// constructor (the role gh's Factory plays) and never touch os directly,
// so a test can run them on buffers.
type app struct {
	out, errOut io.Writer
	getenv      func(string) string
	getwd       func() (string, error)

	dir     string // --dir
	noColor bool   // --no-color
	verbose bool   // --verbose

	logger *slog.Logger // set before any command runs
}

// run executes the command line args and returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a := &app{out: stdout, errOut: stderr, getenv: os.Getenv, getwd: os.Getwd}
	root := newRootCmd(a)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	reportError(stderr, err)
	return exitCode(err)
}

const rootLong = `swarm runs a distributed build farm for Gentoo binary packages. Every
action is an event in a durable log; the queue, the drones and the status are
folded from it, so any moment of the farm can be replayed after the fact.

The state folder: every verb except init, version, completion, man, bench,
demo, drone and simulate works on a state folder, found like git finds
.git: --dir PATH, else $SWARM_DIR,
else the nearest .swarm/ in the current folder or one of its parents. PATH
may name the .swarm folder itself or the folder that holds it.

Colour is used only on a terminal; NO_COLOR or --no-color turns it off.
Logs go to stderr.

` + exitHelp

// newRootCmd builds the whole command tree.
func newRootCmd(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:           "swarm",
		Short:         "A distributed Gentoo build farm",
		Long:          rootLong,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          noSubcommand,
		RunE:          func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
		PersistentPreRunE: func(*cobra.Command, []string) error {
			a.logger = a.newLogger()
			return nil
		},
	}
	root.CompletionOptions.DisableDefaultCmd = true
	root.SetOut(a.out)
	root.SetErr(a.errOut)
	root.SetFlagErrorFunc(flagError)
	pf := root.PersistentFlags()
	pf.StringVar(&a.dir, "dir", "", "the state folder `PATH` (default: $SWARM_DIR, else the nearest .swarm/)")
	pf.BoolVar(&a.noColor, "no-color", false, "never use colour (also: NO_COLOR)")
	pf.BoolVarP(&a.verbose, "verbose", "v", false, "log debug detail to stderr")
	_ = root.MarkPersistentFlagDirname("dir")

	root.AddCommand(
		newInitCmd(a, nil), newConfigCmd(a),
		newEnqueueCmd(a, nil), newPauseCmd(a, nil), newResumeCmd(a, nil),
		newStatusCmd(a, nil), newQueueCmd(a, nil), newDronesCmd(a, nil), newOperatorsCmd(a),
		newLogCmd(a, nil), newReplayCmd(a, nil), newFetchCmd(a, nil), newVerifyCmd(a, nil), newBinhostCmd(a),
		newServeCmd(a, nil), newGroundCmd(a, nil), newUngroundCmd(a, nil),
		newWhyCmd(a, nil), newLogsCmd(a, nil), newMonitorCmd(a, nil), newExcludeCmd(a), newFreshCmd(a, nil), newHistoryCmd(a),
		newDroneCmd(a, nil), newRemoteCmd(a), newDeployCmd(a, nil),
		newSimulateCmd(a, nil),
		newVersionCmd(a), newCompletionCmd(a), newManCmd(a, nil), newBenchCmd(a, nil),
		newDemoCmd(a, nil),
	)
	return root
}

// noSubcommand is the Args of a command that only groups others: an
// argument there is an unknown verb, a usage error.
func noSubcommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2
	}
	hint := ""
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		hint = "; did you mean " + s[0] + "?"
	}
	return usageErrorf(cmd, "unknown command %q for %q%s", args[0], cmd.CommandPath(), hint)
}

// newLogger returns the logger libraries get: charmbracelet/log on stderr,
// warnings and up unless --verbose.
func (a *app) newLogger() *slog.Logger { return a.newLoggerAt(charmlog.WarnLevel) }

// newLoggerAt returns a logger at level (debug with --verbose): long-running
// verbs such as serve log their progress at info.
func (a *app) newLoggerAt(level charmlog.Level) *slog.Logger {
	l := charmlog.NewWithOptions(a.errOut, charmlog.Options{Level: level, ReportTimestamp: level <= charmlog.InfoLevel})
	if a.verbose {
		l.SetLevel(charmlog.DebugLevel)
	}
	if !a.colour(a.errOut) {
		l.SetColorProfile(termenv.Ascii)
	}
	return slog.New(termHandler{l})
}

// colour reports whether output to w may be coloured: w is a terminal and
// neither --no-color nor NO_COLOR says otherwise.
func (a *app) colour(w io.Writer) bool {
	if a.noColor || a.getenv("NO_COLOR") != "" {
		return false
	}
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}
