package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	"github.com/spf13/cobra"

	"github.com/swarm-build/swarm/commands"
	"github.com/swarm-build/swarm/internal/termsafe"
	"github.com/swarm-build/swarm/orchestrator"
	"github.com/swarm-build/swarm/portage"
)

// treeFile is where portage records when the tree was last synced; its
// first line is the tree's identity unless --tree says otherwise.
const treeFile = "/var/db/repos/gentoo/metadata/timestamp.chk"

// md5CacheDir is the tree's metadata cache: the dependencies of every
// ebuild, which order the builds.
const md5CacheDir = "/var/db/repos/gentoo/metadata/md5-cache"

type freshOptions struct {
	app      *app
	From     string
	Tree     string
	NoSync   bool
	MD5Cache string
	Full     bool
}

func newFreshCmd(a *app, runF func(context.Context, *freshOptions) error) *cobra.Command {
	opts := &freshOptions{app: a}
	cmd := &cobra.Command{
		Use:   "fresh",
		Short: "Rebuild the queue from emerge --pretend",
		Long: `Rebuild the queue from what the world set needs now. Without --from, fresh
syncs the portage tree (build.sync: each command tried in order until one
succeeds, e.g. emerge --sync then emerge-webrsync) and runs build.pretend
(default: emerge --pretend --emptytree --quiet=n @world); --from FILE (or -
for stdin) reads saved emerge --pretend output instead and runs nothing.

[ebuild] lines are the packages to build; [binary] lines are already built
and count toward World and Binary; [blocks] and [uninstall] lines are not
packages. The queue is replaced in one step: what is no longer wanted is
dropped, what is new is queued with the capabilities config.toml's
[capabilities] rules say it needs, and what is already built for the same
version and USE flags stays built (--full queues it again too). A fresh
also lifts groundings and the
pause, which were judged against the old tree.

The tree identity (--tree, else the first line of ` + treeFile + `) is
recorded: drones on another tree get no work until they sync.

Builds are scheduled by dependencies: from the tree's md5-cache (--md5-cache,
default ` + md5CacheDir + `), each package waits for the packages of the
plan it needs (DEPEND, BDEPEND, IDEPEND, RDEPEND), and the ready package on
the longest remaining chain of expected build time goes first ('swarm
history import' teaches the times). Without the metadata, packages go in
the plan's order.

A slot conflict in the plan, or output that does not parse, is an error
(exit 1) that names it, and the queue is left untouched. So are portage's
other failure banners, wherever they are in the output (masked packages,
"there are no ebuilds to satisfy", unmet REQUIRED_USE, blockers, circular
dependencies), and empty input (say, emerge is missing): only output in
which emerge says it has nothing to merge ("Total: 0 packages", "Nothing to
merge") empties the queue.`,
		Example: `  swarm fresh
  emerge --pretend --emptytree @world > plan.txt && swarm fresh --from plan.txt --tree 2026-11-23T00:45Z`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runFresh(cmd.Context(), opts, cmd.InOrStdin())
		},
	}
	cmd.Flags().StringVar(&opts.From, "from", "", "read emerge --pretend output from `FILE` (- for stdin) instead of running it")
	cmd.Flags().StringVar(&opts.Tree, "tree", "", "the portage tree's identity `ID` (default: its timestamp.chk)")
	cmd.Flags().BoolVar(&opts.NoSync, "no-sync", false, "do not sync the tree before running build.pretend")
	cmd.Flags().BoolVar(&opts.Full, "full", false, "build everything again, built packages included (default: incremental)")
	cmd.Flags().StringVar(&opts.MD5Cache, "md5-cache", "", "the tree's metadata: an md5-cache `PATH` (folder, or TSV as in testdata/graph) (default: "+md5CacheDir+" when present)")
	_ = cmd.MarkFlagFilename("from")
	return cmd
}

func runFresh(ctx context.Context, o *freshOptions, stdin io.Reader) error {
	_, cfg, err := o.app.stateConfig()
	if err != nil {
		return err
	}
	var input []byte
	switch {
	case o.From == "-":
		input, err = io.ReadAll(stdin)
	case o.From != "":
		input, err = os.ReadFile(o.From)
	default:
		if !o.NoSync {
			if err := syncTree(ctx, o.app, cfg.Build.Sync); err != nil {
				return err
			}
		}
		input, err = runPretend(ctx, o.app, cfg.Build.Pretend)
	}
	if err != nil {
		return fmt.Errorf("fresh: %w; the queue is untouched", err)
	}
	plan, err := portage.ParsePretend(bytes.NewReader(input))
	if err != nil {
		return fmt.Errorf("fresh: the plan cannot be used; the queue is untouched: %w", err)
	}
	tree := o.Tree
	if tree == "" {
		tree = readTreeID(treeFile)
		if tree == "" {
			o.app.log().Warn("the tree's identity is unknown (no --tree, no " + treeFile + "): drones' trees will not be checked")
		}
	}
	fp := commands.FreshPlan{Tree: tree, Binaries: len(plan.Binaries()), Full: o.Full}
	var atoms []portage.Atom
	var uses [][]string
	for _, e := range plan.Builds() {
		var use []string
		for name := range e.Vars {
			for _, f := range e.Enabled(name) {
				if name == "USE" {
					use = append(use, f)
				} else {
					use = append(use, strings.ToLower(name)+"_"+f)
				}
			}
		}
		fp.Builds = append(fp.Builds, commands.FreshPackage{Atom: e.Package.Key(), Use: use})
		atoms, uses = append(atoms, e.Package), append(uses, use)
	}
	if err := planDeps(o, fp.Builds, atoms, uses); err != nil {
		return err
	}
	if len(fp.Builds)+fp.Binaries == 0 && !plan.NothingToDo {
		return errors.New("fresh: no package lines in the input, and emerge did not say it has nothing to merge; " +
			"is it emerge --pretend output? The queue is untouched")
	}
	store, err := o.app.openStore(false)
	if err != nil {
		return err
	}
	defer store.Close()
	var diff commands.FreshDiff
	if _, err := store.Execute(ctx, commands.Fresh(commands.ActorOperator, fp, orchestrator.Routing(cfg), &diff)); err != nil {
		return fmt.Errorf("fresh: %w", err)
	}
	w := o.app.out
	fmt.Fprintf(w, "Discovered %d packages (%d to build, %d already binary)\n", len(fp.Builds)+fp.Binaries, len(fp.Builds), fp.Binaries)
	fmt.Fprintf(w, "Queue: %s\n", diff)
	for _, part := range []struct {
		sign  string
		atoms []string
	}{{"+", diff.Added}, {"-", diff.Removed}, {"~", diff.Changed}, {"!", diff.Retried}} {
		shown := part.atoms[:min(len(part.atoms), 10)]
		for _, a := range shown {
			fmt.Fprintf(w, "  %s %s\n", part.sign, a)
		}
		if n := len(part.atoms) - len(shown); n > 0 {
			fmt.Fprintf(w, "  %s … and %d more ('swarm log --type enqueued' has them all)\n", part.sign, n)
		}
	}
	if tree != "" {
		fmt.Fprintf(w, "Tree: %s\n", termsafe.Line(tree))
	}
	return nil
}

// readTreeID returns the first line of path, or "" if it cannot be read.
func readTreeID(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimSpace(line)
}

// syncTree runs the sync commands in order until one succeeds: a mirror
// outage falls back to the next (emerge --sync, then emerge-webrsync).
func syncTree(ctx context.Context, a *app, cmds [][]string) error {
	if len(cmds) == 0 {
		return nil
	}
	var errs []error
	for _, argv := range cmds {
		if len(argv) == 0 {
			continue
		}
		c := exec.CommandContext(ctx, argv[0], argv[1:]...)
		c.Stdout, c.Stderr = a.errOut, a.errOut
		a.log().Info("syncing the tree", "command", argv)
		if err := c.Run(); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", strings.Join(argv, " "), err))
			continue
		}
		return nil
	}
	return fmt.Errorf("fresh: every sync command failed; the queue is untouched: %w", errors.Join(errs...))
}

// runPretend runs the pretend command and returns its output.
func runPretend(ctx context.Context, a *app, argv []string) ([]byte, error) {
	if len(argv) == 0 {
		return nil, errors.New("build.pretend is empty: set it, or pass --from")
	}
	c := exec.CommandContext(ctx, argv[0], argv[1:]...)
	var out, stderr bytes.Buffer
	c.Stdout, c.Stderr = &out, io.MultiWriter(a.errOut, &stderr)
	if err := c.Run(); err != nil {
		// emerge exits 1 on a slot conflict, masked packages …, and
		// prints why, mostly on stderr: name it rather than say "exit
		// status 1".
		both := io.MultiReader(bytes.NewReader(out.Bytes()), strings.NewReader("\n"), bytes.NewReader(stderr.Bytes()))
		if _, perr := portage.ParsePretend(both); perr != nil && exitCodeOf(err) == 1 {
			return nil, fmt.Errorf("%s: %w", strings.Join(argv, " "), perr)
		}
		return nil, fmt.Errorf("%s: %w", strings.Join(argv, " "), err)
	}
	return out.Bytes(), nil
}

func exitCodeOf(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	return -1
}

// planDeps fills each build's dependencies from the tree's md5-cache. No
// metadata is not an error (the plan's order then stands), but a cache that
// is there and does not load is.
func planDeps(o *freshOptions, builds []commands.FreshPackage, atoms []portage.Atom, uses [][]string) error {
	path := o.MD5Cache
	if path == "" {
		if !isDir(md5CacheDir) {
			o.app.log().Warn("no md5-cache (" + md5CacheDir + "): builds go in the plan's order, without dependency gating")
			return nil
		}
		path = md5CacheDir
	}
	ebuilds, err := loadMD5Cache(path)
	if err != nil {
		return fmt.Errorf("fresh: %w", err)
	}
	deps, unknown := portage.PlanDeps(ebuilds, atoms, uses)
	if len(unknown) > 0 {
		o.app.log().Warn("packages missing from the md5-cache wait for nothing", "count", len(unknown), "first", unknown[0])
	}
	keywords := make(map[string][]string, len(ebuilds))
	for _, e := range ebuilds {
		keywords[e.Package.CPV()] = e.Keywords
	}
	for i := range builds {
		builds[i].Deps = deps[i]
		builds[i].Keywords = keywords[atoms[i].CPV()]
	}
	return nil
}

// loadMD5Cache reads a metadata/md5-cache folder, or the TSV form (gzipped
// or not) of testdata/graph.
func loadMD5Cache(path string) ([]portage.Ebuild, error) {
	if isDir(path) {
		return portage.LoadMD5Cache(path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		defer gz.Close()
		r = gz
	}
	ebuilds, err := portage.ReadMD5CacheTSV(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ebuilds, nil
}
